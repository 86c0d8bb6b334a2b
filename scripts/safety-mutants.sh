#!/usr/bin/env bash
# Proves the traffic-safety model test can fail: each patch in test/safety-mutants/ puts back one bug the
# model must find by itself (a rollback overridden by an in-flight step, an approver approving their own
# increase, completion below 100 %). Every mutant is applied to a throwaway worktree of HEAD and the model
# test is run there; the script fails if any mutant survives. Usage: npm run test:mutants
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/tree" HEAD
ln -s "$root/node_modules" "$work/tree/node_modules"
survived=0
for patch in test/safety-mutants/*.patch; do
  name=$(basename "$patch" .patch)
  git -C "$work/tree" checkout -q -- .
  git -C "$work/tree" apply "$root/$patch"
  log="$work/$name.log"
  if (cd "$work/tree" && npx vitest run test/integration/traffic-safety-model.test.ts -t 'holds the invariants' >"$log" 2>&1); then
    echo "mutant $name SURVIVED: the model test passed with the bug put back"
    survived=1
  else
    found=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -m1 -E '^\{ seed: ' || true)
    why=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -m1 -E 'Caused by: Error: \([a-e]\)' || true)
    echo "mutant $name found: ${found:-?} ${why#Caused by: Error: }"
  fi
done
exit $survived
