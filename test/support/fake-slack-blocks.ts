/** Moved to the sandbox's Slack workspace; kept so older imports still work. */
export { validateBlocks } from '../../src/sandbox/slack-workspace/block-kit-checks.js';
