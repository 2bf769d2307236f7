import { defineWebModule } from '../web-module.ts';

/**
 * Saved views of a list (own, a team's, everyone's). Their menu sits in the list's toolbar, where it reads and
 * sets the list's state, so the records module places it; the module declares no screen of its own.
 */
export const viewsWeb = defineWebModule({ name: 'views' });
