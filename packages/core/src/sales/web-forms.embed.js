// Rabita web forms in the browser: solves the form's proof-of-work challenge (ALTCHA, SHA-256) and either
// enhances a form the server rendered (<form data-rabita-form>) or renders one into a container
// (<div data-rabita-form-id="…">) and posts it as JSON. Labels and messages are set as text, never as HTML.
(() => {
  const script = document.currentScript;
  const base = script?.src ? new URL(script.src).origin : location.origin;

  // SHA-256 in plain script: crypto.subtle exists only on https pages (and localhost), and a hop through it per
  // hash costs more than the hash of a short text. FIPS 180-4, for UTF-8 text.
  const K = [];
  for (let n = 2, found = 0; found < 64; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false;
    if (prime) K[found++] = ((Math.cbrt(n) % 1) * 2 ** 32) | 0;
  }
  const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const W = new Int32Array(64);
  function sha256hex(text) {
    const bytes = new TextEncoder().encode(text);
    const words = new Int32Array(((bytes.length + 9 + 63) >> 6) << 4);
    for (let i = 0; i < bytes.length; i++) words[i >> 2] |= bytes[i] << (24 - (i % 4) * 8);
    words[bytes.length >> 2] |= 0x80 << (24 - (bytes.length % 4) * 8);
    words[words.length - 1] = bytes.length * 8;
    const h = H0.slice();
    for (let block = 0; block < words.length; block += 16) {
      for (let i = 0; i < 64; i++) {
        if (i < 16) W[i] = words[block + i];
        else {
          const a = W[i - 15];
          const b = W[i - 2];
          const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
          const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
          W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
        }
      }
      let [a, b, c, d, e, f, g, k] = h;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + b) | 0;
      h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0;
      h[5] = (h[5] + f) | 0;
      h[6] = (h[6] + g) | 0;
      h[7] = (h[7] + k) | 0;
    }
    return h.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
  }

  // Tries numbers a slice at a time, yielding between slices so the page stays responsive.
  async function solve(challenge) {
    const max = Number(challenge.maxnumber) || 1000000;
    for (let start = 0; start <= max; start += 2000) {
      for (let n = start; n < Math.min(start + 2000, max + 1); n++) {
        if (sha256hex(challenge.salt + n) === challenge.challenge) {
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
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return '';
  }

  function enhance(form) {
    const input = form.querySelector('input[name="altcha"]');
    if (!input) return;
    const solving = solve(JSON.parse(form.getAttribute('data-altcha') || '{}')).then((payload) => {
      input.value = payload;
      form.setAttribute('data-solved', 'true');
      form.querySelector('.note')?.remove();
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
    if (spec.type !== 'select') control.dir = 'auto';
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
    // Clipped where it stands: moved off to the left, it would widen a right-to-left page.
    trap.style.cssText = 'position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)';
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
