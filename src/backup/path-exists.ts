import { stat } from 'node:fs/promises';

/** Whether anything is at `path` (a file or a directory); an unreadable path counts as absent. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
