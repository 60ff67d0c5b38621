// ODK Web Forms on our page: the form XML, its list files and the submission endpoint come from the
// data attributes of #app (set by bma/submissions/webforms.py); Vue and Web Forms from the import map.
// A file of its own, not an inline script, so the page's Content-Security-Policy needs no 'unsafe-inline'.
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin, POST_SUBMIT__NEW_INSTANCE } from '@getodk/web-forms';

const root = document.getElementById('app');
const status = document.getElementById('submission-status');
const ui = JSON.parse(document.getElementById('webforms-ui-strings').textContent);
const language = root.dataset.language || 'en';

// Web Forms opens a form in its itext translation marked `default` (else the first), and opens that one
// again for the new, empty form after each Send: mark the reader's language (our workbooks name them
// "Russian (ru)", "Tajik (tg)") as the default, so the form opens and stays in it. The form's title is
// ours, in the reader's language, rather than the workbook's English one.
const inReadersLanguage = (xml) => {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const translations = [...doc.getElementsByTagNameNS('*', 'translation')];
  const own = translations.find((t) => {
    const lang = t.getAttribute('lang') || '';
    return lang === language || lang.endsWith(`(${language})`);
  });
  if (own) {
    translations.forEach((t) => t.removeAttribute('default'));
    own.setAttribute('default', 'true()');
  }
  const title = doc.getElementsByTagNameNS('*', 'title')[0];
  if (title && root.dataset.title) title.textContent = root.dataset.title;
  return new XMLSerializer().serializeToString(doc);
};
const formXml = inReadersLanguage(await (await fetch(root.dataset.formUrl)).text());

// Web Forms 0.22 writes its own words ("Send", "Add", the error banner) as English literals with no way
// to translate them: swap those exact texts for the reader's language (webforms.py) as Vue renders them.
const plural = new Intl.PluralRules(language);
const translated = (text) => {
  const words = text.trim();
  if (!words) return null;
  let own = ui[words];
  const errors = /^(\d+) questions? with errors?\.$/.exec(words);
  if (errors) {
    const n = Number(errors[1]);
    own = (ui.errors[plural.select(n)] || ui.errors.other).replace('{n}', String(n));
  }
  return typeof own === 'string' && own !== words ? text.replace(words, own) : null;
};
// PrimeVue's buttons also carry their English label as aria-label, the name a screen reader says.
const translateTree = (node) => {
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  for (let item = walker.currentNode; item; item = walker.nextNode()) {
    if (item.nodeType === Node.TEXT_NODE) {
      const own = translated(item.nodeValue);
      if (own !== null) item.nodeValue = own;
    } else if (item.nodeType === Node.ELEMENT_NODE && item.hasAttribute('aria-label')) {
      const own = translated(item.getAttribute('aria-label'));
      if (own !== null) item.setAttribute('aria-label', own);
    }
  }
};
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    if (mutation.type !== 'childList') translateTree(mutation.target);
    else mutation.addedNodes.forEach(translateTree);
  }
}).observe(document.body, {
  childList: true,
  subtree: true,
  characterData: true,
  attributeFilter: ['aria-label'],
});

// The answer to Send shows at the top of the form's card, where the enumerator is looking, not below
// the footer out of sight; Web Forms scrolls nowhere after a Send, so the page scrolls to it.
const showStatus = () => {
  const card = root.querySelector('.questions-card');
  if (card && status.parentNode !== card.parentNode) card.parentNode.insertBefore(status, card);
  status.scrollIntoView({ block: 'center' });
};
const fetchFormAttachment = (url) => {
  const name = new URL(url.href).pathname.split('/').pop();
  return fetch(root.dataset.mediaUrl.replace('FILENAME', encodeURIComponent(name)));
};
const onSubmit = async (payload, callback) => {
  const response = await fetch(root.dataset.submissionUrl, {
    method: 'POST',
    body: payload.data[0],
    headers: { 'X-CSRFToken': root.dataset.csrf, 'X-OpenRosa-Version': '1.0' },
  });
  const text = await response.text();
  const message = new DOMParser().parseFromString(text, 'text/xml').querySelector('message')?.textContent;
  status.textContent = message || `The server answered ${response.status}.`;
  status.dataset.status = String(response.status);
  showStatus();
  callback(response.status === 201 ? { next: POST_SUBMIT__NEW_INSTANCE } : undefined);
};
const app = createApp({ render: () => h(OdkWebForm, { formXml, fetchFormAttachment, onSubmit }) }).use(webFormsPlugin);
// PrimeVue's date picker (which Web Forms uses) shows mm/dd/yy by default: 12/02/2026 reads as the 12th of
// February here. Show "2 Dec 2026" instead, and start weeks on Monday as calendars in Tajikistan do.
const locale = app.config.globalProperties.$primevue?.config?.locale;
if (locale) {
  Object.assign(locale, { dateFormat: 'd M yy', firstDayOfWeek: 1 });
  // The village list's search box says "No results found" through PrimeVue's locale.
  Object.assign(locale, { emptyFilterMessage: ui['No results found'], emptySearchMessage: ui['No results found'] });
}
app.mount(root);
