/**
 * The fake Slack Web API used by tests is the sandbox's simulated Slack workspace
 * (src/sandbox/slack-workspace): same server, same behaviour, under the names tests have always used.
 */
import { startSlackWorkspace } from '../../src/sandbox/slack-workspace/start-slack-workspace.js';
import type {
  SlackWorkspace,
  SlackWorkspaceOptions,
  WorkspaceCall,
  WorkspaceChannel,
  WorkspaceEphemeral,
  WorkspaceFault,
  WorkspaceFile,
  WorkspaceMessage,
  WorkspaceResponse,
  WorkspaceView,
} from '../../src/sandbox/slack-workspace/workspace-types.js';

export type { ResponseUrlContext } from '../../src/sandbox/slack-workspace/workspace-types.js';
export type FakeSlackOptions = SlackWorkspaceOptions;
export type FakeChannel = WorkspaceChannel;
export type FakeSlackCall = WorkspaceCall;
export type FakeMessage = WorkspaceMessage;
export type FakeEphemeral = WorkspaceEphemeral;
export type FakeResponse = WorkspaceResponse;
export type FakeFile = WorkspaceFile;
export type FakeView = WorkspaceView;
export type FakeFault = WorkspaceFault;
export type FakeSlack = SlackWorkspace;

export function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  return startSlackWorkspace(opts);
}
