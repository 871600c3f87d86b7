// Runtime hash input of the render/validate targets: the shared Kubernetes/CRD schemas live outside the
// workspace ($GITOPS_SCHEMAS_SRC, else ../shared/schemas), where no Nx file input can reach. Prints one
// sha256 over every file's path and content (8 MB: ~30 ms), or "absent".
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const root = resolve(process.env.GITOPS_SCHEMAS_SRC || join(__dirname, '..', '..', '..', 'shared', 'schemas'));
if (!existsSync(root)) {
  process.stdout.write('absent\n');
} else {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) hash.update(relative(root, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(root);
  process.stdout.write(`${hash.digest('hex')}\n`);
}
