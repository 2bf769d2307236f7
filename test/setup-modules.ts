// Every test file starts with Rabita's shipped modules installed, as the server and worker do at start-up (tests
// that import a service file directly never load the package entry that installs them).
import { MODULES } from '../packages/core/src/modules/index.ts';
import { installModules } from '../packages/core/src/modules/registry.ts';

installModules(MODULES);
