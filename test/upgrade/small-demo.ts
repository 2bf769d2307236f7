// Preloaded (node --import) into the OLD Rabita's `rabita demo` by scripts/make-upgrade-fixture.sh: makes size S
// small enough for a fixture of well under a megabyte. It mutates the old version's own size table before its
// command reads it (one module instance per file, so the command sees this change).
import path from 'node:path';

const core = await import(path.resolve('packages/core/src/index.ts'));
Object.assign(core.DEMO_SIZES.S, { people: 600, companies: 120, deals: 300, activities: 3_000, leads: 120 });
