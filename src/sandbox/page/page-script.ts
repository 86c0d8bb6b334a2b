/**
 * The page's browser script: plain JS, no build step. It reads its view from `/sandbox/api/state`,
 * re-reads it on every Server-Sent Event, and sends commands, clicks and fault settings to the
 * workspace, which signs them towards the bot. Block Kit arrives already rendered and escaped.
 * (Written without template literals, so it can live in this TypeScript string.)
 */
export const PAGE_SCRIPT = String.raw`
(() => {
  'use strict';
  const S = { config: null, user: null, view: null, thread: null, shownThread: null, pending: null, timer: null, clickSeen: null };
  const $ = (id) => document.getElementById(id);

  const api = async (path, body) => {
    const init = body === undefined ? {} : {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    };
    const res = await fetch('/sandbox/api' + path, init);
    let json = null;
    try { json = await res.json(); } catch (_) { json = null; }
    return { status: res.status, body: json };
  };

  const status = (text, bad) => {
    const el = $('status-line');
    el.textContent = text;
    el.className = bad ? 'bad' : '';
  };

  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

  const itemHtml = (item, inThread) => {
    const cls = 'msg' + (item.ephemeral ? ' ephemeral' : '');
    const head = '<div class="msg-head"><b>' + esc(item.author) + '</b>' +
      (item.authorKind === 'bot' ? ' <span class="app">APP</span>' : '') +
      ' <time>' + esc(item.time) + '</time>' + (item.edited ? ' <span class="edited">(edited)</span>' : '') + '</div>';
    const only = item.ephemeral ? '<div class="only-you" data-testid="only-you">&#128065; Only visible to you</div>' : '';
    const replies = !inThread && item.replyCount > 0
      ? '<button type="button" class="thread-link" data-testid="thread-link" data-ts="' + esc(item.ts) + '">' +
        item.replyCount + (item.replyCount === 1 ? ' reply' : ' replies') + '</button>'
      : '';
    const avatar = item.authorKind === 'slackbot' ? 'S' : 'K';
    return '<div class="' + cls + '" data-testid="message" data-ts="' + esc(item.ts) + '" data-ephemeral="' +
      (item.ephemeral ? 'true' : 'false') + '"><div class="avatar ' + esc(item.authorKind) + '">' + avatar +
      '</div><div class="msg-body">' + only + head + '<div class="msg-content">' + item.html + '</div>' + replies +
      '</div></div>';
  };

  const render = () => {
    const v = S.view;
    if (v === null) return;
    const tl = $('timeline');
    const atBottom = tl.scrollHeight - tl.scrollTop - tl.clientHeight < 40;
    tl.innerHTML = v.timeline.length === 0
      ? '<div class="empty">No messages yet. Type a command below, e.g. <code>' + esc(S.config.command) + ' help</code>.</div>'
      : v.timeline.map((i) => itemHtml(i, false)).join('');
    if (atBottom) tl.scrollTop = tl.scrollHeight;
    const pane = $('thread');
    if (S.thread === null) { pane.hidden = true; return; }
    const parent = v.timeline.find((i) => i.ts === S.thread);
    const replies = v.threads[S.thread] || [];
    pane.hidden = false;
    const body = $('thread-body');
    const opened = S.shownThread !== S.thread;
    const threadAtBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
    S.shownThread = S.thread;
    body.innerHTML = (parent ? itemHtml(parent, true) : '<div class="empty">The message is gone.</div>') +
      '<div class="thread-count">' + replies.length + (replies.length === 1 ? ' reply' : ' replies') + '</div>' +
      replies.map((i) => itemHtml(i, true)).join('');
    // Like Slack: a thread opens at its newest reply and follows new ones while you are at the bottom.
    if (opened || threadAtBottom) {
      pane.scrollTop = pane.scrollHeight;
      // Images (a gate's chart) grow the thread when they load: stay at the bottom then too.
      for (const img of body.querySelectorAll('img')) {
        if (!img.complete) img.addEventListener('load', () => { pane.scrollTop = pane.scrollHeight; }, { once: true });
      }
    }
    for (const img of tl.querySelectorAll('img')) {
      if (atBottom && !img.complete) img.addEventListener('load', () => { tl.scrollTop = tl.scrollHeight; }, { once: true });
    }
  };

  const agoText = (epoch) => {
    const s = Math.max(0, Math.round(Date.now() / 1000 - epoch));
    if (s < 60) return s < 10 ? 'just now' : s + ' seconds ago';
    const m = Math.floor(s / 60);
    if (m < 60) return m + (m === 1 ? ' minute ago' : ' minutes ago');
    const h = Math.floor(m / 60);
    if (h < 24) return h + (h === 1 ? ' hour ago' : ' hours ago');
    const d = Math.floor(h / 24);
    return d + (d === 1 ? ' day ago' : ' days ago');
  };
  const tickAgo = () => {
    for (const el of document.querySelectorAll('time[data-ago]')) el.textContent = agoText(Number(el.dataset.ago));
  };

  const ephemeralTexts = (v) => {
    const all = v.timeline.concat(...Object.values(v.threads));
    return all.filter((i) => i.ephemeral).map((i) => { const d = document.createElement('div'); d.innerHTML = i.html; return d.textContent; });
  };

  const refresh = async () => {
    if (S.user === null) return;
    const res = await api('/state?user=' + encodeURIComponent(S.user));
    if (res.status === 200) {
      S.view = res.body;
      render();
      if (window.sandboxViews) window.sandboxViews.render(S.view);
      tickAgo();
      // What the app answered a click with, when it answered only this user (a refusal, say).
      if (S.clickSeen !== null) {
        const texts = ephemeralTexts(S.view);
        if (texts.length > S.clickSeen) { status('The app answered only you: ' + texts[texts.length - 1]); S.clickSeen = null; }
      }
    }
  };
  const soon = () => { clearTimeout(S.timer); S.timer = setTimeout(refresh, 30); };

  const live = () => {
    const es = new EventSource('/sandbox/api/events');
    es.addEventListener('open', () => { $('live-status').textContent = 'live'; $('live-status').className = 'ok'; soon(); });
    es.addEventListener('change', soon);
    es.addEventListener('error', () => { $('live-status').textContent = 'reconnecting'; $('live-status').className = 'bad'; });
  };

  const sendCommand = async (ev) => {
    ev.preventDefault();
    const input = $('command-input');
    const raw = input.value.trim();
    if (raw === '') return;
    const cmd = S.config.command;
    // As in Slack, only a message starting with the command reaches the app; plain text would be a
    // message for people, which the sandbox does not keep.
    if (!raw.startsWith('/')) {
      status('Plain messages are not sent to the app. Commands start with ' + cmd + ', e.g. ' + cmd + ' ' + raw, true);
      return;
    }
    const word = raw.split(/\s+/)[0];
    if (word !== cmd) { status(word + ' is not a valid command. Try ' + cmd + ' help.', true); return; }
    const text = raw.slice(word.length).trim();
    S.clickSeen = null;
    $('command-send').disabled = true;
    status('Sending ' + cmd + ' ' + text + ' …');
    try {
      const res = await api('/command', { user: S.user, text });
      if (res.body && res.body.ok) { input.value = ''; status('The app answered (HTTP ' + res.body.status + ').'); }
      else status('The app did not answer: ' + (res.body ? res.body.error || res.body.message : 'HTTP ' + res.status), true);
    } finally { $('command-send').disabled = false; soon(); }
  };

  const click = async (btn) => {
    const msg = btn.closest('[data-testid="message"]');
    if (!msg) return;
    btn.disabled = true;
    status('Sending the click on "' + btn.textContent + '" …');
    try {
      const res = await api('/action', {
        user: S.user, ts: msg.dataset.ts, ephemeral: msg.dataset.ephemeral === 'true',
        actionId: btn.dataset.actionId, blockId: btn.dataset.blockId, blockIndex: Number(btn.dataset.blockIndex),
      });
      // Slack's ack says only that the app received the click; whether it was allowed shows in its
      // answer (an update of the message, or a reply only you see).
      if (res.body && res.body.ok) {
        S.clickSeen = S.view ? ephemeralTexts(S.view).length : 0;
        status('The app received the click on "' + btn.textContent + '".');
      }
      else status('The click failed: ' + (res.body ? res.body.error : 'HTTP ' + res.status), true);
    } finally { btn.disabled = false; soon(); }
  };

  // A permalink to a message of this channel: scroll to it (opening its thread when it has one).
  const showMessage = (ts) => {
    const item = S.view && S.view.timeline.find((i) => i.ts === ts);
    if (!item) { status('That message is not in this channel.', true); return; }
    if (item.replyCount > 0) { S.thread = ts; render(); }
    const el = document.querySelector('#timeline [data-ts="' + ts + '"]');
    if (el) { el.scrollIntoView({ block: 'center' }); el.classList.add('flash'); setTimeout(() => el.classList.remove('flash'), 1500); }
  };

  const openConfirm = (btn) => {
    const c = JSON.parse(btn.dataset.confirm);
    S.pending = btn;
    $('confirm-title').textContent = c.title;
    $('confirm-text').innerHTML = c.html;
    $('confirm-ok').textContent = c.confirm;
    $('confirm-ok').className = 'btn btn-' + c.style;
    $('confirm-cancel').textContent = c.deny;
    $('confirm').showModal();
  };

  document.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (target === null) return;
    const btn = target.closest('[data-testid="action-button"]');
    if (btn) { if (btn.dataset.confirm) openConfirm(btn); else click(btn); return; }
    const msgLink = target.closest('[data-testid="message-link"]');
    if (msgLink) { ev.preventDefault(); showMessage(msgLink.dataset.ts); return; }
    const link = target.closest('[data-testid="thread-link"]');
    if (link) { S.thread = link.dataset.ts; render(); return; }
    if (target.closest('[data-testid="thread-close"]')) { S.thread = null; render(); }
  });
  $('confirm-ok').addEventListener('click', () => {
    const btn = S.pending;
    S.pending = null;
    $('confirm').close();
    if (btn) click(btn);
  });
  $('confirm-cancel').addEventListener('click', () => { S.pending = null; $('confirm').close(); status('Cancelled.'); });

  const fmtRate = (n) => (Math.round(n * 10) / 10).toFixed(1);
  const showControls = (st) => {
    $('split-display').textContent = 'X ' + st.split.x + ' % · Y ' + st.split.y + ' %';
    $('rate-display').textContent = 'X ' + fmtRate(st.rates.x) + ' req/s · Y ' + fmtRate(st.rates.y) + ' req/s';
    S.faults = st.faults;
    const broken = st.faults.brokenRoute;
    $('fault-display').textContent = 'Y now: ' + Math.round(st.faults.errorRatio * 1000) / 10 + ' % 5xx, +' +
      st.faults.addedLatencyMs + ' ms' + (broken ? ' · route ' + broken.route + ' answers ' + broken.status : '');
    if (Array.isArray(st.routes) && st.routes.length > 0) {
      $('route-form').hidden = false;
      const select = $('broken-route');
      if (select.options.length !== st.routes.length) {
        select.textContent = '';
        for (const name of st.routes) {
          const option = document.createElement('option');
          option.value = name;
          option.textContent = name;
          select.appendChild(option);
        }
      }
    }
    if (typeof st.dataPlaneOutOfSync === 'boolean') {
      $('data-plane-box').hidden = false;
      $('data-plane-out-of-sync').checked = st.dataPlaneOutOfSync;
    }
    if (typeof st.rejectedRoute === 'boolean') {
      $('rejected-route-box').hidden = false;
      $('rejected-route').checked = st.rejectedRoute;
    }
  };
  const toggleRejectedRoute = async (ev) => {
    const res = await api('/controls/rejected-route', { on: ev.target.checked });
    if (res.status === 200) { showControls(res.body); status(res.body.rejectedRoute ? 'Route 3.x rejects added to X.' : 'Route removed from X.'); }
    else status('Refused: ' + (res.body ? res.body.message : 'HTTP ' + res.status), true);
  };
  const toggleDataPlane = async (ev) => {
    const res = await api('/controls/data-plane', { outOfSync: ev.target.checked });
    if (res.status === 200) { showControls(res.body); status(res.body.dataPlaneOutOfSync ? 'kong-y-dp-2 is out of sync.' : 'kong-y-dp-2 is in sync again.'); }
    else status('Refused: ' + (res.body ? res.body.message : 'HTTP ' + res.status), true);
  };
  const pollControls = async () => {
    const res = await api('/controls');
    if (res.status === 200) showControls(res.body);
  };
  const applyFaults = async (ev) => {
    ev.preventDefault();
    const errorRatio = Number($('fault-error-ratio').value) / 100;
    const addedLatencyMs = Math.round(Number($('fault-latency').value));
    const res = await api('/controls/faults', { errorRatio, addedLatencyMs });
    if (res.status === 200) { showControls(res.body); status('Y faults applied.'); }
    else status('Faults refused: ' + (res.body ? res.body.message : 'HTTP ' + res.status), true);
  };

  const setBrokenRoute = async (brokenRoute) => {
    const f = S.faults || { errorRatio: 0, addedLatencyMs: 0 };
    const res = await api('/controls/faults', { errorRatio: f.errorRatio, addedLatencyMs: f.addedLatencyMs, brokenRoute });
    if (res.status === 200) {
      showControls(res.body);
      status(brokenRoute ? 'Route ' + brokenRoute.route + ' on Y now answers ' + brokenRoute.status + '.' : 'Route healed on Y.');
    } else status('Refused: ' + (res.body ? res.body.message : 'HTTP ' + res.status), true);
  };
  const breakRoute = (ev) => {
    ev.preventDefault();
    setBrokenRoute({ route: $('broken-route').value, status: Number($('broken-status').value) });
  };

  const resetY = async () => {
    $('reset-y').disabled = true;
    status('Resetting Y …');
    try {
      const res = await api('/controls/reset', {});
      if (res.body && res.body.status) showControls(res.body.status);
      status(res.body ? res.body.message : 'HTTP ' + res.status, !(res.body && res.body.ok));
    } finally { $('reset-y').disabled = false; }
  };

  const start = async () => {
    S.config = (await api('/config')).body;

    const picker = $('user-picker');
    picker.innerHTML = S.config.users.map((u) => '<option value="' + esc(u.id) + '">' + esc(u.label) + '</option>').join('');
    const wanted = new URLSearchParams(location.search).get('user') || localStorage.getItem('sandbox-user');
    S.user = S.config.users.some((u) => u.id === wanted) ? wanted : S.config.users[0].id;
    picker.value = S.user;
    picker.addEventListener('change', () => { S.user = picker.value; localStorage.setItem('sandbox-user', S.user); refresh(); });
    $('command-input').placeholder = S.config.command + ' help';
    $('command-form').addEventListener('submit', sendCommand);
    if (window.sandboxViews) window.sandboxViews.attach({ api, status, soon, user: () => S.user });
    if (S.config.controls) {
      $('controls').hidden = false;
      $('fault-form').addEventListener('submit', applyFaults);
      $('route-form').addEventListener('submit', breakRoute);
      $('route-heal').addEventListener('click', () => setBrokenRoute(null));
      $('rejected-route').addEventListener('change', toggleRejectedRoute);
      $('data-plane-out-of-sync').addEventListener('change', toggleDataPlane);
      $('reset-y').addEventListener('click', resetY);
      pollControls();
      setInterval(pollControls, 1000);
    }
    live();
    await refresh();
    const res = await api('/state?user=' + encodeURIComponent(S.user));
    if (res.status === 200) {
      $('channel-name').textContent = '#' + res.body.channel.name;
      document.title = '#' + res.body.channel.name + ' · kong-upgrade sandbox';
    }
    setInterval(tickAgo, 5000);
    document.body.dataset.ready = 'true';
  };
  start();
})();
`;
