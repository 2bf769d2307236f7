/** Query keys of the notifications module. */
export const notificationKeys = {
  all: ['notifications'] as const,
};
