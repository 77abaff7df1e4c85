//go:build tools

// Package clibuild only names the program this module builds: the Temporal CLI, whose
// `server start-dev` is the dev server (`go build github.com/temporalio/cli/cmd/temporal`,
// see scripts/tools.ts).
package clibuild

import _ "github.com/temporalio/cli/cmd/temporal"
