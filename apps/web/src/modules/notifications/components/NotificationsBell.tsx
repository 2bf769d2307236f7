import { ActionIcon, Button, Indicator, Popover, Stack, Text, UnstyledButton } from '@mantine/core';
import { IconBell } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { notificationKeys } from '../utils/notification-keys.ts';

/** The header's bell: unread notifications (a record or task given to the user), each leading to its record. */
export function NotificationsBell() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { data } = useQuery({
    queryKey: notificationKeys.all,
    queryFn: async () => call(client.GET('/api/v1/notifications', { params: { query: { limit: 20 } } })),
  });
  const unread = data?.unreadCount ?? 0;
  return (
    <Popover width={340} position="bottom-end" shadow="md">
      <Popover.Target>
        {/* The unread count shown on the bell is part of its name (axe: label-content-name-mismatch). */}
        <ActionIcon
          variant="subtle"
          size="lg"
          aria-label={unread > 0 ? `${t('nav.notifications')} ${unread}` : t('nav.notifications')}
        >
          <Indicator disabled={unread === 0} label={unread} size={16} offset={2}>
            <IconBell size={20} />
          </Indicator>
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <Text fw={600}>{t('nav.notifications')}</Text>
          {(data?.data ?? []).length === 0 && <Text size="sm">{t('nav.noNotifications')}</Text>}
          {(data?.data ?? []).map((n) => (
            <UnstyledButton
              key={n.id}
              onClick={async () => {
                await client.POST('/api/v1/notifications/{id}/read', { params: { path: { id: n.id } } });
                await qc.invalidateQueries({ queryKey: notificationKeys.all });
                // A scheduled report that paused itself names its report (`reports:report`), not a record.
                if (n.object === 'reports:report')
                  await navigate({ to: '/reports/$id', params: { id: n.recordId } });
                else await navigate({ to: '/o/$object/$id', params: { object: n.object, id: n.recordId } });
              }}
            >
              <Text size="sm" fw={n.readAt ? 400 : 700}>
                {n.kind === 'report_schedule_paused'
                  ? t('notification.report_schedule_paused')
                  : t(n.kind === 'task_assigned' ? 'notification.task_assigned' : 'notification.assigned', {
                      actor: n.actor.name ?? t('notification.someone'),
                      title: n.title ?? '',
                    })}
              </Text>
              <Text size="xs" c="dimmed">
                {formatDateTime(n.createdAt, prefs)}
              </Text>
            </UnstyledButton>
          ))}
          {unread > 0 && (
            <Button
              size="xs"
              variant="light"
              onClick={async () => {
                await client.POST('/api/v1/notifications/read-all');
                await qc.invalidateQueries({ queryKey: notificationKeys.all });
              }}
            >
              {t('nav.markAllRead')}
            </Button>
          )}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
