// The referral queue's search box: villages of the name's district, found as you type, each a button
// that links the name in one click (the same POST as the candidate buttons). Without this script the
// candidate and "new village" buttons still work; the box stays hidden.
document.addEventListener('DOMContentLoaded', () => {
  for (const cell of document.querySelectorAll('.referral-decide')) {
    const box = cell.querySelector('.referral-search');
    if (!box) continue;
    const input = box.querySelector('input');
    const results = box.querySelector('.referral-results');
    box.hidden = false;
    let timer = null;
    let asked = 0;
    // Enter in the box must not submit the changelist's form (it would run the "Go" action).
    input.addEventListener('keydown', (event) => { if (event.key === 'Enter') event.preventDefault(); });
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const query = input.value.trim();
        const mine = ++asked;
        if (query.length < 2) { results.replaceChildren(); return; }
        const response = await fetch(`${cell.dataset.searchUrl}?q=${encodeURIComponent(query)}`, {
          headers: { Accept: 'application/json' }, credentials: 'same-origin',
        });
        if (mine !== asked || !response.ok) return; // a later keystroke's answer wins
        const { villages } = await response.json();
        results.replaceChildren(...villages.map((village) => {
          const button = document.createElement('button');
          Object.assign(button, { type: 'submit', name: 'village', value: village.code, className: 'referral-link' });
          button.setAttribute('formaction', cell.dataset.decideUrl);
          button.setAttribute('formmethod', 'post');
          button.textContent = village.label; // text, never HTML: names come from the gazetteer
          return button;
        }));
        if (!villages.length) results.textContent = cell.dataset.empty;
      }, 250);
    });
  }
});
