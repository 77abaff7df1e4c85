/** The tests' free ports: the scripts' own (scripts/ports.ts), which start servers the same way. */
export { freePort, reservePort } from '../../scripts/ports.js';
