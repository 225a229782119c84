'use strict';
// The page of `fragility serve`. Every name that comes from a file or a model (file names, class names) is put in
// with textContent, never as markup.
const $ = id => document.getElementById(id);
const state = { image: null, job: null, events: null, history: [] };

function show(id, on = true) { $(id).hidden = !on; }
function status(text) { $('status').textContent = text; }
function error(text) { $('error').textContent = text || ''; show('error', !!text); }
function fixed(x, d = 3) { return typeof x === 'number' ? x.toFixed(d) : '-'; }
function option(select, value) { const o = document.createElement('option'); o.value = value; o.textContent = value; select.appendChild(o); }

async function call(url, init) {
  const response = await fetch(url, init);
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) throw new Error((body && body.error) || `HTTP ${response.status}`);
  return body;
}

async function start() {
  try {
    const info = await call('/api/info');
    state.limits = info.limits;
    info.models.forEach(m => option($('model'), m));
    info.datasets.forEach(d => option($('dataset'), d));
    info.methods.forEach(m => option($('method'), m));
    info.attacks.forEach(a => option($('attack-name'), a));
    $('attack-name').value = 'topk';
    $('epsilon').value = $('epsilon-range').value = info.defaults.epsilon;
    $('iterations').value = info.defaults.iterations;
    $('iterations').max = info.limits.maxIterations;
    $('step').value = info.defaults.step;
    status(`Ready. Uploads up to ${Math.round(info.limits.maxUploadBytes / 1048576)} MB and ${info.limits.maxPixels.toLocaleString('en')} pixels.`);
    document.body.dataset.ready = '1';
  } catch (e) { error(e.message); }
}

async function upload(file) {
  if (!file) return;
  if (file.size > state.limits.maxUploadBytes) { error(`${file.name} is larger than ${Math.round(state.limits.maxUploadBytes / 1048576)} MB: choose a smaller image.`); return; }
  state.file = file;
  const form = new FormData();
  form.append('model', $('model').value);
  form.append('file', file, file.name);
  await explain(`Reading ${file.name}…`, () => call('/api/images', { method: 'POST', body: form }));
}

async function fromDataset() {
  state.file = null;
  const body = JSON.stringify({ model: $('model').value, dataset: $('dataset').value, index: Number($('index').value) });
  await explain('Loading the test image…', () => call('/api/images/dataset', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }));
}

async function explain(message, request) {
  error('');
  status(message + ' computing the maps…');
  try {
    const image = await request();
    state.image = image;
    drawImage(image);
    status(`Explained ${image.name}.`);
  } catch (e) { status(''); error(e.message); }
}

function drawImage(image) {
  $('input-image').src = image.image;
  $('input-name').textContent = image.name;
  $('label').textContent = image.labelName;
  $('confidence').textContent = `${(100 * image.confidence).toFixed(1)} %`;
  const top = $('top'); top.replaceChildren();
  for (const t of image.top) {
    const li = document.createElement('li');
    li.textContent = `${t.name}: ${(100 * t.p).toFixed(1)} %`;
    const bar = document.createElement('span'); bar.className = 'bar'; bar.style.width = `${Math.round(120 * t.p)}px`;
    li.appendChild(bar); top.appendChild(li);
  }
  const notes = $('notes'); notes.replaceChildren();
  for (const n of image.notes) { const li = document.createElement('li'); li.textContent = n; notes.appendChild(li); }
  const maps = $('maps'); maps.replaceChildren();
  for (const m of image.maps) {
    const fig = document.createElement('figure');
    const img = document.createElement('img'); img.className = 'pix'; img.src = m.png; img.alt = `${m.method} map`;
    const cap = document.createElement('figcaption'); cap.textContent = m.method + ' ';
    const npy = document.createElement('a'); npy.href = `/api/images/${image.id}/maps/${m.method}.npy`; npy.textContent = '.npy'; npy.download = '';
    cap.appendChild(npy);
    fig.append(img, cap); maps.appendChild(fig);
  }
  show('prediction'); show('attack'); show('result', false);
  $('live-topk-name').textContent = `top-k intersection (k = ${image.k})`;
  document.body.dataset.label = image.labelName;
}

async function startAttack() {
  if (!state.image) return;
  error('');
  stopListening();
  state.history = [];
  drawChart();
  const body = {
    image: state.image.id, method: $('method').value, attack: $('attack-name').value,
    epsilon: Number($('epsilon').value), iterations: Number($('iterations').value), step: Number($('step').value),
    target: $('target').value,
  };
  try {
    const job = await call('/api/attacks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    state.job = job.id;
    document.body.dataset.attack = 'running';
    $('start').disabled = true; $('stop').disabled = false;
    show('result', false);
    const events = new EventSource(job.events);
    state.events = events;
    events.onmessage = m => onEvent(JSON.parse(m.data));
    events.onerror = () => { if (state.events === events) { stopListening(); error('The connection to the server was lost.'); } };
  } catch (e) { error(e.message); }
}

function stopListening() {
  if (state.events) state.events.close();
  state.events = null;
  $('start').disabled = false; $('stop').disabled = true;
}

function onEvent(e) {
  switch (e.type) {
    case 'queued': $('live-state').textContent = e.position > 0 ? `queued behind ${e.position} other piece(s) of work on this model` : 'starting'; break;
    case 'started': $('live-state').textContent = 'running'; $('progress').max = e.steps; $('progress').value = 0; break;
    case 'step':
      $('progress').value = e.step;
      $('live-step').textContent = `${e.step} of ${e.steps}`;
      $('live-topk').textContent = fixed(e.topk);
      $('live-spearman').textContent = fixed(e.spearman);
      $('live-label').textContent = `${e.labelName} (${(100 * e.confidence).toFixed(1)} %)${e.admissible ? '' : ': label changed, not admissible'}`;
      if (e.map) $('live-map').src = e.map;
      state.history.push(e);
      drawChart();
      break;
    case 'done': stopListening(); drawResult(e); document.body.dataset.attack = 'done'; break;
    case 'stopped': stopListening(); $('live-state').textContent = 'stopped'; document.body.dataset.attack = 'stopped'; break;
    case 'error': stopListening(); $('live-state').textContent = 'failed'; error(e.error); document.body.dataset.attack = 'error'; break;
  }
}

function drawChart() {
  const c = $('chart'), g = c.getContext('2d'), h = state.history;
  g.clearRect(0, 0, c.width, c.height);
  g.font = '11px sans-serif';
  const steps = h.length ? h[0].steps : 1;
  const x = s => 30 + (c.width - 40) * (steps > 1 ? (s - 1) / (steps - 1) : 0.5);
  const y = v => 10 + (c.height - 34) * (1 - (v + 1) / 2);   // -1..1, legend below
  g.strokeStyle = '#ccc'; g.beginPath(); g.moveTo(30, y(0)); g.lineTo(c.width - 10, y(0)); g.stroke();
  g.fillStyle = '#555'; g.fillText('1', 16, y(1) + 4); g.fillText('0', 16, y(0) + 4); g.fillText('-1', 12, y(-1) + 4);
  for (const [key, colour, row] of [['topk', '#0a7', 0], ['spearman', '#c50', 1]]) {
    g.strokeStyle = colour; g.beginPath();
    h.forEach((e, i) => (i ? g.lineTo : g.moveTo).call(g, x(e.step), y(e[key])));
    g.stroke();
    g.fillStyle = colour; g.fillText(key === 'topk' ? 'top-k intersection' : 'Spearman', 40 + 130 * row, c.height - 6);
  }
}

function drawResult(e) {
  $('live-state').textContent = e.failed ? 'done: no iterate kept the label' : 'done';
  $('r-clean').src = e.clean; $('r-perturbed').src = e.perturbed; $('r-difference').src = e.difference;
  $('r-clean-map').src = e.cleanMap; $('r-perturbed-map').src = e.perturbedMap;
  $('r-difference-caption').textContent = `difference, magnified ×${e.magnification.toFixed(0)}`;
  const summary = $('r-summary');
  summary.textContent = `Returned iterate (the best of ${e.iterations} steps that kept the label): top-k intersection (k = ${e.k}) ${fixed(e.topk)}, Spearman ${fixed(e.spearman)}; ` +
    `label ${e.labelNameBefore} (${(100 * e.confidenceBefore).toFixed(1)} %) → ${e.labelNameAfter} (${(100 * e.confidenceAfter).toFixed(1)} %); ` +
    `largest pixel change ${e.linf.toFixed(2)}/255.`;
  summary.dataset.topk = e.topk;
  const links = $('downloads'); links.replaceChildren(document.createTextNode('Download: '));
  for (const [name, url] of Object.entries(e.files)) {
    const a = document.createElement('a'); a.className = 'download'; a.href = url; a.download = ''; a.textContent = name; a.id = 'download-' + name.replace('.', '-');
    links.appendChild(a);
  }
  show('result');
}

function bind() {
  $('file').addEventListener('change', e => upload(e.target.files[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => { e.preventDefault(); drop.classList.remove('over'); upload(e.dataTransfer.files[0]); });
  $('load-dataset').addEventListener('click', fromDataset);
  $('model').addEventListener('change', () => { if (state.file) upload(state.file); else if (state.image) fromDataset(); });
  $('epsilon-range').addEventListener('input', () => { $('epsilon').value = $('epsilon-range').value; });
  $('epsilon').addEventListener('input', () => { $('epsilon-range').value = $('epsilon').value; });
  $('attack-name').addEventListener('change', () => show('target-label', $('attack-name').value === 'targeted'));
  $('start').addEventListener('click', startAttack);
  $('stop').addEventListener('click', async () => {
    if (!state.job) return;
    try { await call(`/api/attacks/${state.job}/stop`, { method: 'POST' }); } catch (e) { error(e.message); }
  });
}

bind();
start();
