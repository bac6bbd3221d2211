// Pieces of a Debian package shared by the agent's and the server's (dpkg-deb builds them from a staged tree).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The control file's Description: the summary line, then the long text indented one space. */
export const debDescription = (summary, text) =>
  `Description: ${summary}\n${text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n')}\n`;

/** A writer of DEBIAN/<name> maintainer scripts: `set -e`, the shell functions in `lib`, then the body. */
export const debScripts = (root, lib) => (name, body) => writeFileSync(join(root, 'DEBIAN', name), `#!/bin/sh\nset -e\n${lib}\n${body}\nexit 0\n`, { mode: 0o755 });
