/** Whether someone may approve, as far as the bot knows right now. */
export type ApproverMembership = 'approver' | 'not_approver' | 'unknown';

export interface ApproverDirectoryOptions {
  approvers: readonly string[];
  approverGroups: readonly string[];
  /** Other groups read in the background too (`requiredGroups`, `operatorGroups`). */
  otherGroups?: readonly string[];
  /** Members of a Slack user group (usergroups.users.list). */
  groupMembers: (groupId: string) => Promise<string[]>;
  /** How often the groups are read again in the background (default 60 s). */
  refreshMs?: number;
  /** A group list older than this no longer counts (default 15 min): membership is then unknown. */
  maxAgeMs?: number;
  now?: () => number;
  onRefreshFailed?: (groupId: string, err: unknown) => void;
}

export interface ApproverDirectory {
  /** From memory only: never waits on Slack (it runs inside the 3-second ack). */
  membership(userId: string): ApproverMembership;
  /** `membership() === 'approver'`, for callers that only need yes or no (unknown counts as no). */
  isApprover(userId: string): Promise<boolean>;
  /** Reads every group now; a group that fails keeps its last known members. */
  refresh(): Promise<void>;
  /** Refreshes now (not awaited) and then every `refreshMs`, until stopped. */
  start(): void;
  stop(): void;
  /**
   * Which of `groupIds` the user belongs to, from memory like `membership` (a group never read counts
   * as none, and is read in the background).
   */
  groupsOf(userId: string, groupIds: readonly string[]): Promise<string[]>;
}

/**
 * Who may approve: listed users, plus members of listed user groups. The groups are read from Slack in
 * the background and kept in memory, so a click never waits on Slack. Fails closed: someone not found
 * in a group whose members the bot has never (or not lately) been able to read is `unknown`, which
 * grants nothing; the caller says so honestly instead of "you are not an approver".
 */
export function createApproverDirectory(options: ApproverDirectoryOptions): ApproverDirectory {
  const refreshMs = options.refreshMs ?? 60_000;
  const maxAgeMs = options.maxAgeMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const groups = new Map<string, { at: number; members: Set<string> }>();
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;

  async function refreshGroup(groupId: string): Promise<void> {
    try {
      groups.set(groupId, { at: now(), members: new Set(await options.groupMembers(groupId)) });
    } catch (err) {
      options.onRefreshFailed?.(groupId, err);
    }
  }

  const watched = [...new Set([...options.approverGroups, ...(options.otherGroups ?? [])])];
  function refresh(): Promise<void> {
    inFlight ??= Promise.all(watched.map(refreshGroup))
      .then(() => undefined)
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  function membership(userId: string): ApproverMembership {
    if (options.approvers.includes(userId)) return 'approver';
    let unknown = false;
    for (const groupId of options.approverGroups) {
      const known = groups.get(groupId);
      if (!known || now() - known.at > maxAgeMs) {
        unknown = true;
        continue;
      }
      if (known.members.has(userId)) return 'approver';
    }
    // Asked about a group we cannot answer for: read it again, without waiting.
    if (unknown) void refresh();
    return unknown ? 'unknown' : 'not_approver';
  }

  return {
    membership,
    isApprover: async (userId) => membership(userId) === 'approver',
    refresh,
    start() {
      if (timer || watched.length === 0) return;
      void refresh();
      timer = setInterval(() => void refresh(), refreshMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    async groupsOf(userId, groupIds) {
      let missing = false;
      const found = groupIds.filter((group) => {
        const known = groups.get(group);
        if (!known || now() - known.at > maxAgeMs) missing = true;
        return known?.members.has(userId) === true;
      });
      if (missing) void refresh();
      return found;
    },
  };
}

/** The reply when membership could not be checked: honest, and says what to do. */
export const MEMBERSHIP_UNKNOWN_REPLY =
  "Your membership of the approver groups could not be checked just now (Slack did not answer the bot's lookup), so this changed nothing. Try again in a minute; if it persists, ask an admin to check the bot's `usergroups:read` scope.";
