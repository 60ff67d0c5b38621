// ODK Web Forms on our page: the form XML, its list files and the submission endpoint come from the
// data attributes of #app (set by bma/submissions/webforms.py); Vue and Web Forms from the import map.
// A file of its own, not an inline script, so the page's Content-Security-Policy needs no 'unsafe-inline'.
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin, POST_SUBMIT__NEW_INSTANCE } from '@getodk/web-forms';

const root = document.getElementById('app');
const status = document.getElementById('submission-status');
const formXml = await (await fetch(root.dataset.formUrl)).text();
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
  callback(response.status === 201 ? { next: POST_SUBMIT__NEW_INSTANCE } : undefined);
};
const app = createApp({ render: () => h(OdkWebForm, { formXml, fetchFormAttachment, onSubmit }) }).use(webFormsPlugin);
// PrimeVue's date picker (which Web Forms uses) shows mm/dd/yy by default: 12/02/2026 reads as the 12th of
// February here. Show "2 Dec 2026" instead, and start weeks on Monday as calendars in Tajikistan do.
const locale = app.config.globalProperties.$primevue?.config?.locale;
if (locale) Object.assign(locale, { dateFormat: 'd M yy', firstDayOfWeek: 1 });
app.mount(root);
