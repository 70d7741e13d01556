// Draws the attention page from the JSON embedded beside this script: a head view (queries left, keys right, one
// line per query-key pair with opacity = weight, one colour per head), a model view (a thumbnail per layer and
// head) and, when the data has one, the rollout into a chosen token. Everything is built here so the page needs
// nothing beyond itself.
(() => {
  'use strict';

  const data = JSON.parse(document.getElementById('attention-data').textContent);
  const tokens = data.tokens;
  const layerCount = data.layers;
  const headCount = data.heads;
  const n = tokens.length;
  // One byte per weight, round(levels * weight), in [layer][head][query][key] order.
  const weights = decodeBase64(data.attention);
  const levels = data.levels;
  const SPECIAL = new Set(['[CLS]', '[SEP]']);

  // Below this a line is invisible anyway; skipping it keeps long inputs responsive.
  const MIN_WEIGHT = 0.01;
  const ROW = 20;
  const TOP = 28;
  const SPAN = 200;
  // A rough width of one 13px character, enough to size the token columns without measuring text.
  const CHAR_WIDTH = 7.5;
  const MAX_LABEL_CHARS = 24;
  const THUMB = 72;

  const svg = document.getElementById('lines');
  // Taken from the element the HTML parser created, so that the page names no URL.
  const svgNs = svg.namespaceURI;
  const layerSelect = document.getElementById('layer');
  const headBoxes = [];
  const queryLabels = [];
  const keyLabels = [];
  const linesGroup = document.createElementNS(svgNs, 'g');
  const headColours = Array.from({ length: headCount }, (_, h) => hslToRgb(h / headCount, 0.7, 0.42));
  const state = { layer: 0, selected: new Array(headCount).fill(true), focus: null };
  let modelViewBuilt = false;

  const labels = tokens.map((t) => (t.length > MAX_LABEL_CHARS ? t.slice(0, MAX_LABEL_CHARS - 1) + '\u2026' : t));
  const columnWidth = Math.min(MAX_LABEL_CHARS, Math.max(1, ...labels.map((t) => t.length))) * CHAR_WIDTH + 12;
  const leftX = columnWidth;
  const rightX = columnWidth + SPAN;

  buildControls();
  buildTokenColumns();
  drawLines();
  document.getElementById('tab-head').addEventListener('click', () => showTab('head'));
  document.getElementById('tab-model').addEventListener('click', () => showTab('model'));
  if (data.rollout !== undefined) {
    buildRolloutView(new DataView(decodeBase64(data.rollout).buffer), data.rolloutToken);
  }
  openFromAddress();

  function buildControls() {
    for (let l = 0; l < layerCount; l++) {
      const option = document.createElement('option');
      option.value = String(l);
      option.textContent = String(l);
      layerSelect.appendChild(option);
    }
    layerSelect.addEventListener('change', () => {
      state.layer = Number(layerSelect.value);
      drawLines();
    });
    const heads = document.getElementById('heads');
    for (let h = 0; h < headCount; h++) {
      const label = document.createElement('label');
      label.className = 'head-toggle';
      label.title = 'head ' + h;
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = true;
      box.addEventListener('change', () => {
        state.selected[h] = box.checked;
        drawLines();
      });
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = cssColour(headColours[h]);
      // Checkbox, colour and number share one bordered box, so no number sits closer to a neighbour's checkbox.
      label.appendChild(box);
      label.appendChild(swatch);
      label.appendChild(document.createTextNode(String(h)));
      label.dataset.head = String(h);
      heads.appendChild(label);
      headBoxes.push(box);
    }
    document.getElementById('all-heads').addEventListener('click', () => selectHeads(() => true));
    document.getElementById('no-heads').addEventListener('click', () => selectHeads(() => false));
  }

  function selectHeads(wanted) {
    for (let h = 0; h < headCount; h++) {
      state.selected[h] = wanted(h);
      headBoxes[h].checked = state.selected[h];
    }
    drawLines();
  }

  function buildTokenColumns() {
    const width = rightX + columnWidth;
    const height = TOP + n * ROW;
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.appendChild(svgText(leftX - 6, 12, 'end', 'query', 'column-title'));
    svg.appendChild(svgText(rightX + 6, 12, 'start', 'key', 'column-title'));
    svg.appendChild(linesGroup);
    for (let i = 0; i < n; i++) {
      const query = svgText(leftX - 6, rowY(i), 'end', labels[i], 'token');
      const key = svgText(rightX + 6, rowY(i), 'start', labels[i], 'token');
      addTooltip(query, i + ': ' + tokens[i]);
      addTooltip(key, i + ': ' + tokens[i]);
      watchHover(query, 'query', i);
      watchHover(key, 'key', i);
      svg.appendChild(query);
      svg.appendChild(key);
      queryLabels.push(query);
      keyLabels.push(key);
    }
  }

  function watchHover(element, side, index) {
    element.addEventListener('mouseenter', () => {
      state.focus = { side: side, index: index };
      drawLines();
    });
    element.addEventListener('mouseleave', () => {
      state.focus = null;
      drawLines();
    });
  }

  function drawLines() {
    while (linesGroup.firstChild) {
      linesGroup.removeChild(linesGroup.firstChild);
    }
    const focus = state.focus;
    for (let i = 0; i < n; i++) {
      queryLabels[i].classList.toggle('focus', focus !== null && focus.side === 'query' && focus.index === i);
      keyLabels[i].classList.toggle('focus', focus !== null && focus.side === 'key' && focus.index === i);
    }
    const fragment = document.createDocumentFragment();
    for (let h = 0; h < headCount; h++) {
      if (!state.selected[h]) {
        continue;
      }
      const colour = cssColour(headColours[h]);
      for (let q = 0; q < n; q++) {
        if (focus !== null && focus.side === 'query' && focus.index !== q) {
          continue;
        }
        for (let k = 0; k < n; k++) {
          const weight = weightAt(state.layer, h, q, k);
          if (weight < MIN_WEIGHT || (focus !== null && focus.side === 'key' && focus.index !== k)) {
            continue;
          }
          const line = document.createElementNS(svgNs, 'line');
          line.setAttribute('x1', String(leftX));
          line.setAttribute('y1', String(rowY(q) - 4));
          line.setAttribute('x2', String(rightX));
          line.setAttribute('y2', String(rowY(k) - 4));
          line.setAttribute('stroke', colour);
          line.setAttribute('stroke-opacity', String(weight));
          line.setAttribute('stroke-width', '2');
          fragment.appendChild(line);
        }
      }
    }
    linesGroup.appendChild(fragment);
  }

  function showTab(name) {
    if (name === 'model' && !modelViewBuilt) {
      buildModelView();
      modelViewBuilt = true;
    }
    for (const tab of ['head', 'model', 'rollout']) {
      document.getElementById(tab + '-view').hidden = name !== tab;
      document.getElementById('tab-' + tab).classList.toggle('active', name === tab);
    }
  }

  function buildModelView() {
    const table = document.createElement('table');
    const header = document.createElement('tr');
    header.appendChild(document.createElement('th'));
    for (let h = 0; h < headCount; h++) {
      const th = document.createElement('th');
      th.textContent = 'head ' + h;
      th.style.color = cssColour(headColours[h]);
      header.appendChild(th);
    }
    table.appendChild(header);
    for (let l = 0; l < layerCount; l++) {
      const row = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = 'layer ' + l;
      row.appendChild(th);
      for (let h = 0; h < headCount; h++) {
        const td = document.createElement('td');
        td.appendChild(thumbnail(l, h));
        row.appendChild(td);
      }
      table.appendChild(row);
    }
    document.getElementById('grid').appendChild(table);
  }

  // A heatmap of one head, queries down and keys across, in the head's colour with alpha = weight.
  function thumbnail(layer, head) {
    const canvas = document.createElement('canvas');
    canvas.width = n;
    canvas.height = n;
    canvas.style.width = THUMB + 'px';
    canvas.style.height = THUMB + 'px';
    canvas.title = 'layer ' + layer + ' \u00b7 head ' + head + ' (click for the head view)';
    const context = canvas.getContext('2d');
    const image = context.createImageData(n, n);
    const [r, g, b] = headColours[head];
    const offset = (layer * headCount + head) * n * n;
    for (let q = 0; q < n; q++) {
      for (let k = 0; k < n; k++) {
        const p = 4 * (q * n + k);
        image.data[p] = r;
        image.data[p + 1] = g;
        image.data[p + 2] = b;
        image.data[p + 3] = Math.round((255 * weights[offset + q * n + k]) / levels);
      }
    }
    context.putImageData(image, 0, 0);
    canvas.addEventListener('click', () => openInHeadView(layer, head));
    return canvas;
  }

  function openInHeadView(layer, head) {
    state.layer = layer;
    layerSelect.value = String(layer);
    state.focus = null;
    showTab('head');
    selectHeads((h) => h === head);
  }

  // A link such as attention.html#layer=2&head=5 opens that head; #model opens the model view.
  function openFromAddress() {
    const wanted = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    if (wanted.has('model')) {
      showTab('model');
      return;
    }
    if (wanted.has('rollout') && data.rollout !== undefined) {
      showTab('rollout');
      return;
    }
    const layer = Number(wanted.get('layer'));
    const head = Number(wanted.get('head'));
    if (wanted.has('layer') && Number.isInteger(layer) && layer >= 0 && layer < layerCount) {
      if (wanted.has('head') && Number.isInteger(head) && head >= 0 && head < headCount) {
        openInHeadView(layer, head);
      } else {
        state.layer = layer;
        layerSelect.value = String(layer);
        drawLines();
      }
    }
  }

  function weightAt(layer, head, query, key) {
    return weights[((layer * headCount + head) * n + query) * n + key] / levels;
  }

  // The rollout tab: the chosen token's row as the text itself, each token shaded by its share, with [CLS] and
  // [SEP] left out (and the row renormalised) unless the box is unticked. The caption says which is shown.
  function buildRolloutView(rollout, initialToken) {
    document.getElementById('tab-rollout').hidden = false;
    document.getElementById('tab-rollout').addEventListener('click', () => showTab('rollout'));
    const select = document.getElementById('rollout-token');
    const noSpecial = document.getElementById('rollout-no-special');
    for (let i = 0; i < n; i++) {
      const option = document.createElement('option');
      option.value = String(i);
      option.textContent = i + ': ' + tokens[i];
      select.appendChild(option);
    }
    select.value = String(initialToken);
    const draw = () => {
      const token = Number(select.value);
      const row = Array.from({ length: n }, (_, k) => rollout.getFloat32(4 * (token * n + k), true));
      if (noSpecial.checked) {
        let kept = 0;
        row.forEach((w, k) => { kept += SPECIAL.has(tokens[k]) ? 0 : w; });
        row.forEach((w, k) => { row[k] = SPECIAL.has(tokens[k]) || kept === 0 ? 0 : w / kept; });
      }
      const max = Math.max(...row);
      document.getElementById('rollout-caption').textContent = 'Rollout into token ' + token + " '" + tokens[token]
          + "': " + (noSpecial.checked ? '[CLS] and [SEP] left out (shown as 0), row renormalised over the other tokens'
            : 'all tokens, [CLS] and [SEP] included') + '; shading from 0 to the row maximum ' + max.toFixed(3) + '.';
      const box = document.getElementById('rollout-tokens');
      box.replaceChildren();
      row.forEach((w, k) => {
        const span = document.createElement('span');
        span.className = 'rollout-token';
        span.textContent = tokens[k];
        span.title = k + ': ' + tokens[k] + ' ' + w.toFixed(4);
        const share = max > 0 ? w / max : 0;
        span.style.background = 'rgba(31, 119, 180, ' + share.toFixed(3) + ')';
        span.style.color = share > 0.6 ? '#fff' : '#222';
        box.appendChild(span);
      });
    };
    select.addEventListener('change', draw);
    noSpecial.addEventListener('change', draw);
    draw();
  }

  function decodeBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  function rowY(i) {
    return TOP + i * ROW + ROW / 2 + 4;
  }

  function svgText(x, y, anchor, text, className) {
    const element = document.createElementNS(svgNs, 'text');
    element.setAttribute('x', String(x));
    element.setAttribute('y', String(y));
    element.setAttribute('text-anchor', anchor);
    element.setAttribute('class', className);
    element.textContent = text;
    return element;
  }

  function addTooltip(element, text) {
    const title = document.createElementNS(svgNs, 'title');
    title.textContent = text;
    element.appendChild(title);
  }

  function cssColour(rgb) {
    return 'rgb(' + rgb.join(',') + ')';
  }

  // Hue, saturation and lightness in [0, 1] to 8-bit red, green, blue.
  function hslToRgb(hue, saturation, lightness) {
    const a = saturation * Math.min(lightness, 1 - lightness);
    const channel = (offset) => {
      const k = (offset + hue * 12) % 12;
      return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
    };
    return [channel(0), channel(8), channel(4)];
  }
})();
