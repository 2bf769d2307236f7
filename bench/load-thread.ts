// The clients of `load.ts`'s `drive`, in a worker thread so that they do not take turns with the app on its event
// loop when a bench builds the app in its own process: runs the job it is given and posts back its figures.
import { parentPort, workerData } from 'node:worker_threads';
import { driveHere, type LoadJob } from './load.ts';

const job = workerData as LoadJob;
parentPort?.postMessage(await driveHere(job.target, job.request, job.connections));
