// Progressive enhancement only: every action works without this script (forms post and redirect).
// With it, upvotes, saves and hides happen in place, and the BibTeX block gets a copy button.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

  async function send(method, url) {
    const res = await fetch(url, { method, headers: { 'x-csrf-token': csrf, accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new Error((await res.json().catch(() => null))?.error?.message ?? `HTTP ${res.status}`);
    return res.json();
  }

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const action = new URL(form.action, location.href).pathname;
    const match = /^\/papers\/(.+)\/(vote|save|hide)$/.exec(action);
    if (!match) return;
    event.preventDefault();
    const [, id, what] = match;
    const on = form.elements.namedItem('on').value === '1';
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      if (what === 'vote') {
        const body = await send(on ? 'POST' : 'DELETE', `/api/papers/${id}/vote`);
        button.setAttribute('aria-pressed', String(body.voted));
        button.querySelector('.action').textContent = body.voted ? 'Remove upvote: ' : 'Upvote: ';
        button.querySelector('.count').textContent = String(body.upvotes);
      } else {
        const list = what === 'save' ? 'library' : 'hidden';
        await send(on ? 'PUT' : 'DELETE', `/api/${list}/${id}`);
        button.setAttribute('aria-pressed', String(on));
        if (what === 'save') button.textContent = on ? 'Saved ✓' : 'Save';
        else if (on) form.closest('li.paper')?.remove();
        else button.textContent = 'Hide';
      }
      form.elements.namedItem('on').value = on ? '0' : '1';
    } catch (error) {
      form.submit();
      console.error(error);
    } finally {
      button.disabled = false;
    }
  });

  for (const button of document.querySelectorAll('button[data-copy]')) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      await navigator.clipboard.writeText(source.textContent ?? '');
      button.textContent = 'Copied';
      setTimeout(() => { button.textContent = 'Copy BibTeX'; }, 1500);
    });
  }
})();

// ---- Digest time zone (subscribe form, preferences page) ----
// The browser's IANA zone: filled into the subscribe form, and selected on the preferences page
// while the subscriber has not chosen one (the server marks that select with data-browser-zone).
(() => {
  let zone = '';
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  } catch {
    return;
  }
  if (!zone) return;
  for (const input of document.querySelectorAll('input[data-browser-zone="fill"]')) input.value = zone;
  for (const select of document.querySelectorAll('select[data-browser-zone="suggest"]')) {
    const option = [...select.options].find((o) => o.value === zone);
    if (!option || option.selected) continue;
    option.selected = true;
    const hint = document.createElement('span');
    hint.className = 'hint';
    hint.textContent = ' (your browser\'s time zone: save to keep it)';
    select.after(hint);
  }
})();
