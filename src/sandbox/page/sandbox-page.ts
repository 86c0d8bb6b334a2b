import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLES } from './page-styles.js';
import { VIEW_SCRIPT } from './view-script.js';

/**
 * The sandbox page: a channel view with threads, a command box, a picker for who you are, and (when
 * the sandbox gives it controls) the X/Y split, request rates and fault settings for Y. Stable
 * `data-testid`s are what the browser test drives.
 */
export function renderSandboxPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kong-upgrade sandbox</title>
<style>${PAGE_STYLES}</style>
</head>
<body>
<header>
  <h1 id="channel-name" data-testid="channel-name">#channel</h1>
  <nav class="tabs"><button type="button" class="btn tab active" id="tab-channel" data-testid="tab-channel">Channel</button>
    <button type="button" class="btn tab" id="tab-home" data-testid="tab-home">App Home</button></nav>
  <label>You are <select id="user-picker" data-testid="user-picker"></select></label>
  <span id="live-status" data-testid="live-status">connecting</span>
</header>
<main>
  <section id="channel">
    <div id="timeline" data-testid="timeline"></div>
    <form id="command-form" autocomplete="off">
      <input id="command-input" data-testid="command-input" aria-label="Message or command">
      <button id="command-send" class="btn btn-primary" data-testid="command-send" type="submit">Send</button>
    </form>
    <div id="status-line" data-testid="status-line" role="status"></div>
  </section>
  <section id="home-pane" data-testid="home-pane" hidden></section>
  <aside id="thread" data-testid="thread-pane" hidden>
    <div class="thread-head"><h2>Thread</h2>
      <button type="button" class="btn" data-testid="thread-close" aria-label="Close thread">×</button></div>
    <div id="thread-body"></div>
  </aside>
  <aside id="controls" data-testid="controls-panel" hidden>
    <h2>Traffic</h2>
    <div class="muted">Split</div>
    <div class="big" id="split-display" data-testid="split-display">–</div>
    <div class="muted">Request rates</div>
    <div id="rate-display" data-testid="rate-display">–</div>
    <h2 style="margin-top:16px">Make Y unhealthy</h2>
    <form id="fault-form">
      <label>5xx on Y (%) <input id="fault-error-ratio" data-testid="fault-error-ratio" type="number" min="0" max="100" step="0.5" value="0"></label>
      <label>Added latency on Y (ms) <input id="fault-latency" data-testid="fault-latency" type="number" min="0" max="60000" step="10" value="0"></label>
      <p><button class="btn btn-danger" data-testid="fault-apply" type="submit">Apply to Y</button></p>
    </form>
    <form id="route-form" data-testid="route-form" hidden>
      <label>Break one route on Y <select id="broken-route" data-testid="broken-route"></select></label>
      <label>answering <select id="broken-status" data-testid="broken-status">
        <option value="404">404 (as after a router change)</option><option value="500">500</option></select></label>
      <p><button class="btn btn-danger" data-testid="route-break" type="submit">Break it on Y</button>
        <button type="button" class="btn" id="route-heal" data-testid="route-heal">Heal the route</button></p>
    </form>
    <div class="muted" id="fault-display" data-testid="fault-display"></div>
    <p id="rejected-route-box" hidden><label><input id="rejected-route" data-testid="rejected-route" type="checkbox">
      Add a route to X that Kong 3.x rejects (look-ahead <code>~/orders/(?!internal)</code>): preflight then fails. Switch it before <code>start</code>.</label></p>
    <p id="data-plane-box" hidden><label><input id="data-plane-out-of-sync" data-testid="data-plane-out-of-sync" type="checkbox">
      Put Y's data plane <code>kong-y-dp-2</code> out of sync (<code>plugin_set_incompatible</code>): no gate is offered until it is back.</label></p>
    <h2 style="margin-top:16px">Between runs</h2>
    <p><button type="button" class="btn" id="reset-y" data-testid="reset-y">Reset Y</button></p>
    <div class="muted">Empties Y's database, sends 100 % of traffic to X and clears Y's faults. Done
      for you before each <code>start</code> when an earlier run used Y.</div>
  </aside>
</main>
<dialog id="confirm" data-testid="confirm-dialog">
  <h3 id="confirm-title"></h3>
  <div id="confirm-text"></div>
  <div class="actions">
    <button type="button" class="btn" id="confirm-cancel" data-testid="confirm-cancel">Cancel</button>
    <button type="button" class="btn btn-primary" id="confirm-ok" data-testid="confirm-ok">Yes</button>
  </div>
</dialog>
<dialog id="modal" data-testid="modal">
  <form id="modal-form" method="dialog">
    <h3 id="modal-title" data-testid="modal-title"></h3>
    <div id="modal-body" data-testid="modal-body"></div>
    <div class="actions">
      <button type="button" class="btn" id="modal-cancel" data-testid="modal-cancel">Cancel</button>
      <button type="submit" class="btn btn-primary" id="modal-submit" data-testid="modal-submit">Submit</button>
    </div>
  </form>
</dialog>
<script>${VIEW_SCRIPT}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
