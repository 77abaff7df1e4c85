//go:build tools

// Package uibuild only names the program this module builds: the Temporal Web UI server
// (`go build github.com/temporalio/ui-server/v2/cmd/server`, see scripts/tools.ts).
package uibuild

import _ "github.com/temporalio/ui-server/v2/cmd/server"
