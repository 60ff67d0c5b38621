// Fill an XForm with ODK's own form engine (@getodk/xforms-engine) in plain Node, as a device would.
//
// Usage: node tools/odk_engine/fill.mjs <form.xml> <attachments-dir> <answers.json>
// answers.json is a list of steps, applied in order:
//   ["add", "/data/ki"]                      add a repeat instance
//   ["/data/ki[1]/ki_sex", "female"]         answer a question (selects: a code, or a list for multiple)
//   ["language", "Russian (ru)"]             switch the form language
// Prints one JSON object: {status, violations: [{reference, condition, message}], xml, labels, choiceLabels}
// (labels: the codes offered by the location selects; choiceLabels: code -> the label shown).
//
// Server mode, as a device does it: node fill.mjs --server <url ending in /collect/...> <formID> <answers.json>
// reads the form list, downloads the form and its manifest's media, fills it and POSTs the submission
// (the JSON then also carries submitStatus and submitBody).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
for (const name of ['window', 'document', 'DOMParser', 'XMLSerializer', 'Node', 'Element', 'Document', 'XPathResult', 'NodeFilter']) {
  if (globalThis[name] === undefined) globalThis[name] = name === 'window' ? dom.window : dom.window[name];
}

// The engine's bundled tree-sitter (emscripten) reads __dirname, which ES modules do not define.
globalThis.__dirname ??= path.dirname(new URL(import.meta.url).pathname);
const { createInstance } = await import('@getodk/xforms-engine');

const args = process.argv.slice(2);
const serverMode = args[0] === '--server';
let formXml;
let steps;
let fetchFormAttachment;
let serverUrl;

const firstText = (doc, parent, name) => parent.getElementsByTagNameNS('*', name)[0]?.textContent ?? null;

if (serverMode) {
  const [, server, formId, answersPath] = args;
  serverUrl = server.endsWith('/') ? server : `${server}/`;
  steps = JSON.parse(await readFile(answersPath, 'utf8'));
  const headers = { 'X-OpenRosa-Version': '1.0' };
  const listing = new DOMParser().parseFromString(await (await fetch(`${serverUrl}formList?deviceID=engine`, { headers })).text(), 'text/xml');
  const entry = [...listing.getElementsByTagNameNS('*', 'xform')].find((x) => firstText(listing, x, 'formID') === formId);
  if (!entry) throw new Error(`form ${formId} is not in the form list`);
  formXml = await (await fetch(`${firstText(listing, entry, 'downloadUrl')}?deviceID=engine`, { headers })).text();
  const media = new Map();
  const manifestUrl = firstText(listing, entry, 'manifestUrl');
  if (manifestUrl) {
    const manifest = new DOMParser().parseFromString(await (await fetch(`${manifestUrl}?deviceID=engine`, { headers })).text(), 'text/xml');
    for (const file of manifest.getElementsByTagNameNS('*', 'mediaFile')) {
      media.set(firstText(manifest, file, 'filename'), firstText(manifest, file, 'downloadUrl'));
    }
  }
  fetchFormAttachment = async (url) => {
    const name = path.basename(new URL(url.href).pathname);
    if (!media.has(name)) return new Response('', { status: 404 });
    const response = await fetch(`${media.get(name)}?deviceID=engine`, { headers });
    return new Response(await response.arrayBuffer(), { status: response.status });
  };
} else {
  const [formPath, attachmentsDir, answersPath] = args;
  formXml = await readFile(formPath, 'utf8');
  steps = JSON.parse(await readFile(answersPath, 'utf8'));
  fetchFormAttachment = async (url) => {
    const name = path.basename(new URL(url.href).pathname);
    try {
      return new Response(await readFile(path.join(attachmentsDir, name)), { status: 200 });
    } catch {
      return new Response('', { status: 404 });
    }
  };
}

const instance = await createInstance(formXml, { form: { fetchFormAttachment } });
const root = instance.root;

function find(node, reference) {
  if (node.currentState.reference === reference) return node;
  for (const child of node.currentState.children ?? []) {
    const found = find(child, reference);
    if (found) return found;
  }
  return null;
}

function need(reference) {
  const node = find(root, reference);
  if (!node) throw new Error(`no node ${reference} (not relevant, or the repeat instance was not added)`);
  return node;
}

for (const step of steps) {
  const [first, second] = step;
  if (first === 'add') {
    need(second).addInstances();
  } else if (first === 'language') {
    const language = root.languages.find((l) => l.language === second);
    if (!language) throw new Error(`no language ${second}`);
    root.setLanguage(language);
  } else {
    const node = need(first);
    if (node.nodeType === 'select') {
      if (Array.isArray(second)) node.selectValues(second);
      else node.selectValue(second);
      const chosen = Array.isArray(second) ? second : [second];
      for (const code of chosen) {
        if (!node.currentState.valueOptions.some((o) => o.value === code)) {
          throw new Error(`${first}: '${code}' is not among the choices offered (${node.currentState.valueOptions.length} offered)`);
        }
      }
    } else {
      node.setValue(second);
    }
  }
}

const payload = await root.prepareInstancePayload();
let xml = null;
if (payload.status === 'ready') {
  xml = await payload.data[0].get('xml_submission_file').text();
}
const violations = (payload.violations ?? []).map((v) => ({
  reference: v.reference,
  condition: v.violation?.condition ?? null,
  message: v.violation?.message?.asString ?? null,
}));
const labels = {};
const choiceLabels = {};
for (const ref of ['/data/province', '/data/district', '/data/village']) {
  const node = find(root, ref);
  if (node && node.nodeType === 'select') {
    labels[ref] = node.currentState.valueOptions.map((o) => o.value);
    // What the enumerator reads for each choice, in the form's current language.
    choiceLabels[ref] = Object.fromEntries(node.currentState.valueOptions.map((o) => [o.value, o.label?.asString ?? null]));
  }
}
const result = { status: payload.status, violations, xml, labels, choiceLabels };
if (serverMode && xml) {
  const body = new FormData();
  body.append('xml_submission_file', new Blob([xml], { type: 'text/xml' }), 'submission.xml');
  const response = await fetch(`${serverUrl}submission?deviceID=engine`, {
    method: 'POST', body, headers: { 'X-OpenRosa-Version': '1.0' },
  });
  result.submitStatus = response.status;
  result.submitBody = await response.text();
}
process.stdout.write(JSON.stringify(result));
