// The `rabita` command's entry. It turns on Node's module compile cache before anything else loads: every start
// (the server, each web process it forks, a worker, each CLI command) then reads V8's compiled code from disk
// instead of compiling Rabita and its packages again, about 0.8 s of CPU a start on two cores. The cache lives in
// the system's temp folder (`NODE_COMPILE_CACHE` moves it; `NODE_DISABLE_COMPILE_CACHE=1` turns it off), and an
// edited file is compiled afresh. The program itself (`cli.ts`) is imported after, since a static import would
// be compiled before this line ran.
import module from 'node:module';

const cache = module.enableCompileCache?.();
// Processes started from this one (web processes, a test's or an operator's children) use the same folder.
if (cache?.directory && !process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = cache.directory;

await import('./cli.ts');
