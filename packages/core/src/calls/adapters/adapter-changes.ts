import { EventEmitter } from 'node:events';

/**
 * Told when a phone connection is made, changed or removed in this process, so the worker of the same process (the
 * default `rabita start`) starts, restarts or stops its AMI/ARI client at once instead of at its next tick; a
 * worker in another process sees the change within a tick.
 */
export const adapterChanges = new EventEmitter();
adapterChanges.setMaxListeners(0);
