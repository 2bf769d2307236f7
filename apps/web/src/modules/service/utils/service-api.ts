import { call, client } from '../../../api/client.ts';
import type { components, paths } from '../../../api/schema.gen.ts';

export type TicketMessage = components['schemas']['TicketMessage'];
export type NewTicketMessage = NonNullable<
  paths['/api/v1/tickets/{id}/messages']['post']['requestBody']
>['content']['application/json'];
export type MessageKind = TicketMessage['kind'];
export type SlaCalendar = components['schemas']['SlaCalendar'];
export type SlaPolicy = components['schemas']['SlaPolicy'];
export type SlaClock = components['schemas']['SlaClock'];
export type HolidayChoice =
  paths['/api/v1/service/calendars/{id}/holidays/generate']['post']['requestBody']['content']['application/json']['choice'];
export type NewPolicy = NonNullable<
  paths['/api/v1/service/sla-policies']['post']['requestBody']
>['content']['application/json'];

/** A business calendar's definition as a request sends it (the server checks every rule and names what fails). */
export type CalendarDefinition = NonNullable<
  paths['/api/v1/service/calendars']['post']['requestBody']
>['content']['application/json']['definition'];
/** Open ranges per ISO weekday, 1 Monday … 7 Sunday. */
export type WeekHours = CalendarDefinition['hours'];
/** An ISO weekday, as the hours' keys name it. */
export type IsoWeekday = keyof WeekHours;
/** An open range of a day, `HH:MM` local time; `to <= from` runs into the next day. */
export type HourRange = components['schemas']['BusinessHoursRange'];
/** A holiday's name (in each language when generated) and whether its day is still an estimate. */
export type HolidayNote = NonNullable<CalendarDefinition['holidayNotes']>[string];

/** A calendar's definition, or an empty one in UTC for a calendar not made yet. */
export function definitionOf(calendar: SlaCalendar | undefined): CalendarDefinition {
  return calendar?.definition ?? { timeZone: 'UTC', hours: {}, holidays: [] };
}

/** Messages a page of the conversation holds. */
export const CONVERSATION_PAGE = 30;

/** The service desk's routes through the typed client: each answer, or an ApiError with the server's problem. */
export const serviceApi = {
  /** A page of a ticket's conversation, newest first, strictly before the message `before`. */
  messages: (ticketId: string, before: string | undefined) =>
    call(
      client.GET('/api/v1/tickets/{id}/messages', {
        params: {
          path: { id: ticketId },
          query: { limit: CONVERSATION_PAGE, ...(before ? { before } : {}) },
        },
      }),
    ),
  addMessage: (ticketId: string, body: NewTicketMessage) =>
    call(client.POST('/api/v1/tickets/{id}/messages', { params: { path: { id: ticketId } }, body })),
  calendars: async () => (await call(client.GET('/api/v1/service/calendars'))).data,
  saveCalendar: (id: string | undefined, body: { name: string; definition: CalendarDefinition }) =>
    id
      ? call(client.PATCH('/api/v1/service/calendars/{id}', { params: { path: { id } }, body }))
      : call(client.POST('/api/v1/service/calendars', { body })),
  deleteCalendar: (id: string) =>
    call(client.DELETE('/api/v1/service/calendars/{id}', { params: { path: { id } } })),
  generateHolidays: (id: string, year: number, choice: HolidayChoice) =>
    call(
      client.POST('/api/v1/service/calendars/{id}/holidays/generate', {
        params: { path: { id } },
        body: { span: year, choice },
      }),
    ),
  importHolidays: (id: string, ics: string, from: string, to: string) =>
    call(
      client.POST('/api/v1/service/calendars/{id}/holidays/import', {
        params: { path: { id } },
        body: { ics, from, to },
      }),
    ),
  policies: async () => (await call(client.GET('/api/v1/service/sla-policies'))).data,
  savePolicy: (id: string | undefined, body: NewPolicy & { position?: number }) =>
    id
      ? call(client.PATCH('/api/v1/service/sla-policies/{id}', { params: { path: { id } }, body }))
      : call(client.POST('/api/v1/service/sla-policies', { body })),
  deletePolicy: (id: string) =>
    call(client.DELETE('/api/v1/service/sla-policies/{id}', { params: { path: { id } } })),
  ticketSla: (ticketId: string) =>
    call(client.GET('/api/v1/tickets/{id}/sla', { params: { path: { id: ticketId } } })),
};
