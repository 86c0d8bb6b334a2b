/** The page's stylesheet: a plain, Slack-like channel view. */
export const PAGE_STYLES = `
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1c1d; background: #fff; height: 100vh; display: flex; flex-direction: column; }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: #3f0e40; color: #fff; }
header h1 { font-size: 17px; margin: 0; flex: 1; }
header label { font-size: 13px; }
header select { font-size: 14px; padding: 3px 6px; border-radius: 4px; }
#live-status { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #666; }
#live-status.ok { background: #2bac76; }
#live-status.bad { background: #e01e5a; }
main { flex: 1; display: flex; min-height: 0; }
#channel { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#timeline { flex: 1; overflow-y: auto; padding: 8px 0; }
#thread, #controls { width: 380px; border-left: 1px solid #ddd; overflow-y: auto; padding: 8px 0; }
#controls { width: 260px; padding: 12px 16px; background: #f8f8f8; }
#controls h2, #thread h2 { font-size: 15px; margin: 4px 16px 8px; }
#controls h2 { margin: 0 0 8px; }
#controls .big { font-size: 20px; font-weight: 700; margin: 4px 0; }
#controls label { display: block; font-size: 13px; margin-top: 10px; }
#controls input { width: 100%; padding: 4px; font-size: 14px; }
#controls .muted { color: #616061; font-size: 13px; }
.thread-head { display: flex; align-items: center; justify-content: space-between; padding-right: 12px; }
.thread-count { margin: 4px 16px; color: #616061; font-size: 13px; border-bottom: 1px solid #eee; }
.msg { display: flex; gap: 8px; padding: 6px 16px; }
.msg:hover { background: #f8f8f8; }
.msg.ephemeral { background: #f4f8fc; }
.avatar { width: 36px; height: 36px; flex: none; border-radius: 6px; background: #1264a3; color: #fff; display: flex; align-items: center; justify-content: center; font-weight: 700; }
.avatar.slackbot { background: #2bac76; }
.msg-body { flex: 1; min-width: 0; }
.msg-head time, .edited { color: #616061; font-size: 12px; }
.app { font-size: 10px; background: #ddd; color: #444; padding: 0 3px; border-radius: 2px; }
.only-you { font-size: 12px; color: #616061; }
.thread-link { border: none; background: none; color: #1264a3; font-weight: 700; font-size: 13px; padding: 2px 0; cursor: pointer; }
.blk-header { font-size: 18px; font-weight: 900; margin: 4px 0; }
.blk-section { display: flex; gap: 8px; margin: 4px 0; }
.blk-main { flex: 1; min-width: 0; }
.blk-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.blk-context { color: #616061; font-size: 13px; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.blk-context-img { width: 18px; height: 18px; }
.blk-divider { border: none; border-top: 1px solid #ddd; margin: 8px 0; }
.blk-actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0; }
.blk-image { margin: 6px 0; }
.blk-img, .file img { max-width: 100%; max-height: 360px; border: 1px solid #ddd; border-radius: 4px; }
.blk-thumb { width: 72px; height: 72px; object-fit: cover; border-radius: 4px; }
.blk-unsupported { color: #999; font-style: italic; }
.file { display: block; margin: 6px 0; }
.file figcaption { font-size: 13px; color: #616061; }
pre { background: #f8f8f8; border: 1px solid #ddd; border-radius: 4px; padding: 8px; white-space: pre; overflow-x: auto; max-width: 100%; font-size: 13px; margin: 4px 0; }
code { background: #f3f3f3; border: 1px solid #e5e5e5; border-radius: 3px; padding: 0 3px; color: #1d1c1d; font-size: 13px; }
.msg-content a { overflow-wrap: anywhere; }
.msg.flash { background: #fff8d6; }
blockquote { border-left: 4px solid #ddd; margin: 2px 0; padding-left: 8px; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
.btn { font: inherit; font-size: 14px; font-weight: 700; padding: 4px 12px; border-radius: 4px; border: 1px solid #bbb; background: #fff; color: #1d1c1d; cursor: pointer; text-decoration: none; }
.btn:disabled { opacity: .5; cursor: wait; }
.btn-primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.btn-danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
#command-form { display: flex; gap: 8px; padding: 12px 16px; border-top: 1px solid #ddd; }
#command-input { flex: 1; font: inherit; padding: 8px; border: 1px solid #bbb; border-radius: 6px; }
#status-line { padding: 0 16px 8px; font-size: 13px; color: #616061; min-height: 1.4em; }
#status-line.bad { color: #e01e5a; }
.empty { color: #616061; padding: 16px; }
dialog { border: none; border-radius: 8px; padding: 20px 24px; width: 420px; box-shadow: 0 8px 32px rgba(0,0,0,.3); }
dialog h3 { margin: 0 0 12px; }
dialog .actions { display: flex; justify-content: flex-end; gap: 8px; margin-top: 20px; }
/* The hidden attribute wins over a display set below (the channel is a flex column). */
[hidden] { display: none !important; }
.tabs { display: flex; gap: 4px; }
.tab.active { background: #1264a3; color: #fff; }
#home-pane { flex: 1; overflow: auto; padding: 16px 24px; }
#modal { width: 520px; }
#modal .field { margin: 12px 0; display: flex; flex-direction: column; gap: 4px; }
#modal .field > label { font-weight: 600; }
#modal input, #modal textarea, #modal select { font: inherit; padding: 6px; border: 1px solid #bbb; border-radius: 6px; }
#modal .check { font-weight: normal; display: block; }
#modal .field-error { color: #e01e5a; font-size: 13px; }
.muted { color: #616061; font-weight: normal; }
`;
