import { defineWebModule } from '../web-module.ts';
import { NotificationsBell } from './components/NotificationsBell.tsx';
import { notificationKeys } from './utils/notification-keys.ts';

/** Notifications: the header's bell, refreshed when the event stream announces one. */
export const notificationsWeb = defineWebModule({
  name: 'notifications',
  header: [{ order: 20, component: NotificationsBell }],
  live: {
    notification: (qc) => void qc.invalidateQueries({ queryKey: notificationKeys.all }),
  },
});
