export interface ApproverDirectoryOptions {
  approvers: readonly string[];
  approverGroups: readonly string[];
  /** Members of a Slack user group (usergroups.users.list). */
  groupMembers: (groupId: string) => Promise<string[]>;
  ttlMs?: number;
  now?: () => number;
}

/**
 * Who may approve: listed users, plus members of listed user groups, fetched from Slack and cached
 * briefly so a burst of clicks costs one lookup. A failed lookup counts as "not a member" (and is
 * not cached), so Slack trouble can refuse a click but never grant one.
 */
export function createApproverDirectory(options: ApproverDirectoryOptions) {
  const ttl = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; members: Set<string> }>();

  async function membersOf(groupId: string): Promise<Set<string>> {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < ttl) return hit.members;
    try {
      const members = new Set(await options.groupMembers(groupId));
      cache.set(groupId, { at: now(), members });
      return members;
    } catch {
      return new Set();
    }
  }

  return {
    async isApprover(userId: string): Promise<boolean> {
      if (options.approvers.includes(userId)) return true;
      for (const group of options.approverGroups) {
        if ((await membersOf(group)).has(userId)) return true;
      }
      return false;
    },
    /** Which of `groupIds` the user belongs to (a failed lookup: none of that group). */
    async groupsOf(userId: string, groupIds: readonly string[]): Promise<string[]> {
      const found: string[] = [];
      for (const group of groupIds) if ((await membersOf(group)).has(userId)) found.push(group);
      return found;
    },
  };
}
