import { randomBytes } from 'node:crypto';
import type { MethodHandler } from './chat-methods.js';
import { blocksOf, fail, isRecord, mimeType, str } from './web-api-params.js';
import type { WorkspaceStore } from './workspace-store.js';
import type { WorkspaceFile } from './workspace-types.js';

/**
 * The files upload v2 flow (slack.md §4.2): `files.getUploadURLExternal` hands out an upload URL on this
 * server, the bytes arrive there (raw or as the multipart part `body`), `files.completeUploadExternal`
 * shares them, as a message in the channel or thread.
 */
export function createFileMethods(
  store: WorkspaceStore,
  baseUrl: () => string,
): Record<string, MethodHandler> {
  return {
    'files.getUploadURLExternal': (p) => {
      const filename = str(p, 'filename');
      const length = Number(str(p, 'length'));
      if (filename === undefined || filename === '')
        return fail('invalid_arguments', ['missing required field: filename']);
      if (!Number.isInteger(length) || length < 1)
        return fail('invalid_arguments', ['length must be a positive integer']);
      const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
      store.state.files.set(id, {
        id,
        filename,
        declaredLength: length,
        altText: str(p, 'alt_text') ?? str(p, 'alt_txt') ?? null,
        title: null,
        bytes: null,
        uploadContentType: null,
        completed: false,
        channel: null,
        threadTs: null,
        initialComment: null,
      });
      return { ok: true, upload_url: `${baseUrl()}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (p) => {
      const list = p.files;
      if (!Array.isArray(list) || list.length === 0)
        return fail('invalid_arguments', ['files must be a non-empty array']);
      const entries: Array<{ file: WorkspaceFile; title: string | undefined }> = [];
      for (const item of list) {
        const id = isRecord(item) && typeof item.id === 'string' ? item.id : '';
        const file = store.state.files.get(id);
        if (file === undefined || file.bytes === null) return fail('file_not_found');
        entries.push({
          file,
          title: isRecord(item) && typeof item.title === 'string' ? item.title : undefined,
        });
      }
      const channelId = str(p, 'channel_id') ?? str(p, 'channels')?.split(',')[0];
      const channel = channelId === undefined ? null : store.findChannel(channelId);
      if (channel === undefined) return fail('channel_not_found');
      // Unlike chat.postMessage with chat:write.public, sharing a file needs the bot in the channel.
      if (channel?.isArchived) return fail('is_archived');
      if (channel !== null && !channel.isMember) return fail('not_in_channel');
      const parent = channel === null ? null : store.threadParent(channel.id, str(p, 'thread_ts'));
      if (parent === undefined) return fail('thread_not_found');
      const comment = str(p, 'initial_comment') ?? null;
      for (const { file, title } of entries) {
        Object.assign(file, {
          completed: true,
          title: title ?? file.filename,
          channel: channel?.id ?? null,
          threadTs: parent,
          initialComment: comment,
        });
      }
      if (channel !== null) {
        store.postMessage(
          channel.id,
          parent,
          comment ?? '',
          blocksOf(p),
          entries.map((e) => e.file.id),
        );
      }
      // No `shares`/ts in the answer: real Slack fills them in late or not at all (slack.md §4.2).
      return {
        ok: true,
        files: entries.map(({ file }) => ({
          id: file.id,
          name: file.filename,
          title: file.title,
          mimetype: mimeType(file.filename),
          size: file.bytes?.length ?? 0,
          user: store.bot.userId,
          created: Math.floor(store.now() / 1000),
        })),
      };
    },
  };
}

/** Stores the uploaded bytes; answers what Slack's upload host answers. */
export async function receiveUpload(
  file: WorkspaceFile | undefined,
  contentType: string,
  raw: Buffer,
): Promise<{ status: number; text: string }> {
  if (file === undefined) return { status: 404, text: 'file not found' };
  let bytes = raw;
  if (contentType.startsWith('multipart/form-data')) {
    // The WebClient sends one multipart part named `body` (slack.md §4.2).
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const part = form.get('body');
    if (part === null) return { status: 400, text: 'no body part' };
    bytes = typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
  }
  file.bytes = bytes;
  file.uploadContentType = contentType;
  return { status: 200, text: `OK - ${bytes.length}` };
}
