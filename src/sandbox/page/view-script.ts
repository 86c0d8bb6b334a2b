/**
 * The page's modal and App Home tab (plain JS, loaded before PAGE_SCRIPT, which calls
 * `window.sandboxViews.render(view)` after every refresh and hands over its helpers in `attach`).
 * A modal keeps what was typed across refreshes; its fields are sent back as Slack's
 * `view.state.values`, and the app's answer (close, errors, update) arrives with the next refresh.
 * (Written without template literals, so it can live in this TypeScript string.)
 */
export const VIEW_SCRIPT = String.raw`
(() => {
  'use strict';
  const V = { page: null, modalKey: null, tab: 'channel' };
  const $ = (id) => document.getElementById(id);

  const fieldValue = (el) => {
    const kind = el.dataset.kind;
    if (kind === 'plain_text_input') return { type: kind, value: el.value };
    if (kind === 'static_select') {
      const o = el.selectedOptions[0];
      return { type: kind, selected_option: el.value === '' ? null : { value: el.value, text: { type: 'plain_text', text: o ? o.textContent : el.value } } };
    }
    if (kind === 'checkboxes') {
      return { type: kind, selected_options: Array.from(el.querySelectorAll('input:checked')).map((c) => ({ value: c.value })) };
    }
    if (kind === 'conversations_select') return { type: kind, selected_conversation: el.value === '' ? null : el.value };
    return { type: kind };
  };
  const collect = () => {
    const values = {};
    for (const el of document.querySelectorAll('#modal-body [data-testid="modal-field"]')) {
      const block = el.dataset.blockId;
      values[block] = values[block] || {};
      values[block][el.dataset.actionId] = fieldValue(el);
    }
    return values;
  };
  const restore = (values) => {
    for (const el of document.querySelectorAll('#modal-body [data-testid="modal-field"]')) {
      const v = (values[el.dataset.blockId] || {})[el.dataset.actionId];
      if (!v) continue;
      if (v.type === 'plain_text_input') el.value = v.value;
      else if (v.type === 'static_select' && v.selected_option) el.value = v.selected_option.value;
      else if (v.type === 'conversations_select' && v.selected_conversation) el.value = v.selected_conversation;
      else if (v.type === 'checkboxes') {
        const on = new Set(v.selected_options.map((o) => o.value));
        for (const c of el.querySelectorAll('input')) c.checked = on.has(c.value);
      }
    }
  };

  const renderModal = (modal) => {
    const dialog = $('modal');
    if (!modal) {
      V.modalKey = null;
      if (dialog.open) dialog.close();
      return;
    }
    const key = modal.id + '|' + modal.title + '|' + modal.html;
    if (key === V.modalKey && dialog.open) return;
    const kept = V.modalKey !== null && V.modalKey.split('|')[0] === modal.id ? collect() : {};
    V.modalKey = key;
    $('modal-title').textContent = modal.title;
    $('modal-body').innerHTML = modal.html;
    restore(kept);
    $('modal-submit').hidden = modal.submit === null;
    $('modal-submit').textContent = modal.submit || '';
    $('modal-cancel').textContent = modal.close;
    dialog.dataset.viewId = modal.id;
    if (!dialog.open) dialog.showModal();
  };

  const renderHome = (home) => {
    $('home-pane').innerHTML = home === null
      ? '<div class="empty">The app has not published a Home tab for you yet.</div>'
      : home;
  };

  const showTab = async (tab) => {
    V.tab = tab;
    $('channel').hidden = tab !== 'channel';
    $('home-pane').hidden = tab !== 'home';
    $('tab-channel').classList.toggle('active', tab === 'channel');
    $('tab-home').classList.toggle('active', tab === 'home');
    if (tab === 'home') {
      V.page.status('Opening the Home tab …');
      const res = await V.page.api('/home', { user: V.page.user() });
      V.page.status(res.body && res.body.ok ? 'The app received app_home_opened.' : 'The app did not answer app_home_opened.', !(res.body && res.body.ok));
      V.page.soon();
    }
  };

  const submit = async (ev) => {
    ev.preventDefault();
    const dialog = $('modal');
    $('modal-submit').disabled = true;
    try {
      const res = await V.page.api('/view-submit', { user: V.page.user(), viewId: dialog.dataset.viewId, values: collect() });
      if (!(res.body && res.body.ok)) V.page.status('The form was not taken: ' + (res.body ? res.body.error || res.body.message : 'HTTP ' + res.status), true);
      else V.page.status(res.body.closed ? 'The app took the form.' : 'The app answered the form.');
    } finally { $('modal-submit').disabled = false; V.page.soon(); }
  };
  const cancel = async () => {
    const dialog = $('modal');
    await V.page.api('/view-close', { user: V.page.user(), viewId: dialog.dataset.viewId });
    V.modalKey = null;
    dialog.close();
    V.page.soon();
  };

  // Buttons on the Home tab are view actions, not message clicks: handled here, before the page's listener.
  document.addEventListener('click', async (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const btn = target && target.closest('#home-pane [data-testid="action-button"]');
    if (!btn) return;
    ev.stopPropagation();
    btn.disabled = true;
    try {
      const res = await V.page.api('/home-action', {
        user: V.page.user(), actionId: btn.dataset.actionId, blockId: btn.dataset.blockId, blockIndex: Number(btn.dataset.blockIndex),
      });
      V.page.status(res.body && res.body.ok ? 'The app received the click on "' + btn.textContent + '".' : 'The click failed.', !(res.body && res.body.ok));
    } finally { btn.disabled = false; V.page.soon(); }
  }, true);

  window.sandboxViews = {
    attach(page) {
      V.page = page;
      $('modal-form').addEventListener('submit', submit);
      $('modal-cancel').addEventListener('click', cancel);
      $('modal').addEventListener('cancel', (ev) => { ev.preventDefault(); cancel(); });
      $('tab-channel').addEventListener('click', () => showTab('channel'));
      $('tab-home').addEventListener('click', () => showTab('home'));
    },
    render(view) {
      renderModal(view.modal);
      renderHome(view.home);
    },
  };
})();
`;
