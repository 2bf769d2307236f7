// Rabita web forms in the browser: solves the form's proof-of-work challenge (ALTCHA, SHA-256) and either
// enhances a form the server rendered (<form data-rabita-form>) or renders one into a container
// (<div data-rabita-form-id="…">) and posts it as JSON. Labels and messages are set as text, never as HTML.
(() => {
  const script = document.currentScript;
  const base = script?.src ? new URL(script.src).origin : location.origin;

  async function sha256hex(text) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function solve(challenge) {
    const max = Number(challenge.maxnumber) || 1000000;
    for (let n = 0; n <= max; n++) {
      if ((await sha256hex(challenge.salt + n)) === challenge.challenge) {
        return btoa(
          JSON.stringify({
            algorithm: challenge.algorithm,
            challenge: challenge.challenge,
            number: n,
            salt: challenge.salt,
            signature: challenge.signature,
          }),
        );
      }
    }
    return '';
  }

  function enhance(form) {
    const input = form.querySelector('input[name="altcha"]');
    if (!input) return;
    const solving = solve(JSON.parse(form.getAttribute('data-altcha') || '{}')).then((payload) => {
      input.value = payload;
      form.setAttribute('data-solved', 'true');
    });
    form.addEventListener('submit', (event) => {
      if (input.value) return;
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true;
      solving.then(() => form.submit());
    });
  }

  function field(form, spec) {
    const wrap = document.createElement('p');
    const label = document.createElement('label');
    const id = `rabita-${form.publicId}-${spec.key}`;
    label.htmlFor = id;
    label.textContent = spec.label + (spec.required ? ' *' : '');
    let control;
    if (spec.type === 'select') {
      control = document.createElement('select');
      control.append(new Option('', ''));
      for (const o of spec.options || []) control.append(new Option(o.label, o.value));
    } else if (spec.type === 'longText') {
      control = document.createElement('textarea');
    } else {
      control = document.createElement('input');
      control.type = { email: 'email', phone: 'tel', url: 'url', number: 'text' }[spec.type] || 'text';
    }
    control.id = id;
    control.name = spec.key;
    control.required = spec.required;
    wrap.append(label, document.createElement('br'), control);
    return wrap;
  }

  async function render(container) {
    const publicId = container.getAttribute('data-rabita-form-id');
    const response = await fetch(`${base}/api/v1/public/web-forms/${encodeURIComponent(publicId)}`);
    if (!response.ok) return;
    const form = await response.json();
    const el = document.createElement('form');
    el.lang = form.locale;
    el.dir = form.dir;
    const title = document.createElement('h3');
    title.textContent = form.title;
    el.append(title);
    for (const spec of form.fields) el.append(field(form, spec));
    const trap = document.createElement('input');
    trap.name = form.honeypot;
    trap.tabIndex = -1;
    trap.autocomplete = 'off';
    trap.setAttribute('aria-hidden', 'true');
    trap.style.cssText = 'position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden';
    el.append(trap);
    const status = document.createElement('p');
    status.setAttribute('role', 'status');
    const button = document.createElement('button');
    button.type = 'submit';
    button.textContent = { en: 'Send', ar: 'إرسال', fa: 'ارسال' }[form.locale] || 'Send';
    el.append(button, status);
    container.replaceChildren(el);
    const solving = solve(form.altcha);
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      const fields = {};
      for (const spec of form.fields) fields[spec.key] = el.elements[spec.key].value;
      const query = new URLSearchParams(location.search);
      const body = {
        fields,
        altcha: await solving,
        stamp: form.stamp,
        [form.honeypot]: trap.value,
        utm_source: query.get('utm_source') || undefined,
        utm_medium: query.get('utm_medium') || undefined,
        utm_campaign: query.get('utm_campaign') || undefined,
        referrer: location.href,
      };
      const answer = await fetch(`${base}${form.submitUrl}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const result = await answer.json().catch(() => ({}));
      if (answer.ok) {
        if (result.redirectUrl) location.href = result.redirectUrl;
        else el.replaceChildren(Object.assign(document.createElement('p'), { textContent: result.thankYou }));
        return;
      }
      button.disabled = false;
      status.textContent = (result.errors || []).map((e) => e.message).join(' ') || result.detail || '';
    });
  }

  for (const form of document.querySelectorAll('form[data-rabita-form]')) enhance(form);
  for (const container of document.querySelectorAll('[data-rabita-form-id]')) render(container);
})();
