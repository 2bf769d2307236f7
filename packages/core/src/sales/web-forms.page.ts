import { escapeHtml } from '../http/escape-html.ts';
import type { PublicFormView } from './web-forms.service.ts';

// The hosted form page, server-rendered: plain HTML that works without script (it then arrives without a solved
// challenge and is quarantined for an admin to judge), enhanced by the embed script, which solves the proof of
// work before it posts. Every value is escaped; the page's direction follows its language. The honeypot is clipped
// where it stands rather than moved far to the left: in a right-to-left page, content off to the left widens the
// page, so Arabic and Persian pages scrolled sideways by ten thousand pixels.

const SEND = { en: 'Send', ar: 'إرسال', fa: 'ارسال' } as const;
const WORKING = {
  en: 'Checking that you are not a robot…',
  ar: 'نتحقق من أنك لست روبوتًا…',
  fa: 'در حال بررسی اینکه ربات نیستید…',
} as const;

const STYLE = `body{font-family:system-ui,Vazirmatn,Tahoma,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;
color:#1a1b1e;line-height:1.5}label{font-weight:600}input,select,textarea{width:100%;box-sizing:border-box;
padding:.5rem;margin:.25rem 0 .75rem;border:1px solid #868e96;border-radius:4px;font:inherit}
button{padding:.5rem 1.5rem;font:inherit;background:#1864ab;color:#fff;border:0;border-radius:4px}
.trap{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}.note{color:#495057}`;

function page(lang: string, dir: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" dir="${escapeHtml(dir)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body>
</html>`;
}

function control(f: PublicFormView['fields'][number]): string {
  const name = escapeHtml(f.key);
  const id = `f-${name}`;
  const required = f.required ? ' required' : '';
  if (f.type === 'select') {
    const options = (f.options ?? [])
      .map((o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.label)}</option>`)
      .join('');
    return `<select id="${id}" name="${name}"${required}><option value=""></option>${options}</select>`;
  }
  // What people type runs in its own direction (a Latin address in a Persian form).
  if (f.type === 'longText')
    return `<textarea id="${id}" name="${name}" rows="4" dir="auto"${required}></textarea>`;
  const type = { email: 'email', phone: 'tel', url: 'url' }[f.type] ?? 'text';
  return `<input id="${id}" name="${name}" type="${type}" dir="auto"${required}>`;
}

/** The hosted page of a form, with the page's UTM values and referring page carried in hidden fields. */
export function renderFormPage(
  form: PublicFormView,
  carried: {
    utmSource?: string | undefined;
    utmMedium?: string | undefined;
    utmCampaign?: string | undefined;
    referrer?: string | undefined;
  },
): string {
  const hidden = (name: string, value: string | undefined) =>
    value ? `<input type="hidden" name="${name}" value="${escapeHtml(value.slice(0, 2000))}">` : '';
  const fields = form.fields
    .map(
      (f) =>
        `<p><label for="f-${escapeHtml(f.key)}">${escapeHtml(f.label)}${f.required ? ' *' : ''}</label><br>${control(f)}</p>`,
    )
    .join('\n');
  const body = `<main>
<h1>${escapeHtml(form.title)}</h1>
<form method="post" action="${escapeHtml(form.submitUrl)}" data-rabita-form="${escapeHtml(form.publicId)}"
 data-altcha="${escapeHtml(JSON.stringify(form.altcha))}" accept-charset="utf-8">
${fields}
<div class="trap" aria-hidden="true"><label for="f-trap">Website</label><input id="f-trap" name="${form.honeypot}" tabindex="-1" autocomplete="off"></div>
<input type="hidden" name="_stamp" value="${escapeHtml(form.stamp)}">
<input type="hidden" name="altcha" value="">
${hidden('utm_source', carried.utmSource)}${hidden('utm_medium', carried.utmMedium)}${hidden('utm_campaign', carried.utmCampaign)}${hidden('referrer', carried.referrer)}
<button type="submit">${SEND[form.locale]}</button>
<p class="note" role="status">${escapeHtml(WORKING[form.locale])}</p>
</form>
</main>
<script src="/api/v1/public/web-forms/embed.js" defer></script>`;
  return page(form.locale, form.dir, form.title, body);
}

/** The page shown after a plain HTML submission without a redirect address. */
export function renderMessagePage(locale: 'en' | 'ar' | 'fa', title: string, message: string): string {
  return page(
    locale,
    locale === 'en' ? 'ltr' : 'rtl',
    title,
    `<main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main>`,
  );
}

/** A refused HTML submission: what went wrong, each problem on its line, and the way back. */
export function renderErrorPage(detail: string, problems: { field: string; message: string }[]): string {
  const items = problems.map((p) => `<li>${escapeHtml(p.field)}: ${escapeHtml(p.message)}</li>`).join('');
  return page(
    'en',
    'ltr',
    'The form was not sent',
    `<main><h1>The form was not sent</h1><p>${escapeHtml(detail)}</p>${items ? `<ul>${items}</ul>` : ''}
<p>Go back to the form, correct it and send it again.</p></main>`,
  );
}
