/** A tagged item in a fitting room, as the room's reader last read it (in memory: reads are not stored). */
export interface TagInRoom {
  epc: string;
  gtin: string;
  serial: string;
  sku: string;
  size: string | null;
  category: string;
  mirrorId: string;
  zone: string;
  readerId: string;
  sessionId: string | null;
  firstSeen: number;
  lastSeen: number;
  camera: 'agreed' | 'disagreed' | 'none';
}

/**
 * The fitting rooms' tags now: which EPC is in which room, the camera's last answer per mirror (to compare with a tag
 * read after it), and tags left behind in a room whose session closed (still read, but nobody is trying them on).
 */
export function createTagState() {
  return {
    byEpc: new Map<string, TagInRoom>(),
    lastCamera: new Map<string, { label: string; at: number }>(),
    /** EPC → when it was last read, for tags of a closed session: ignored until they go unread for the timeout */
    leftBehind: new Map<string, { at: number; zone: string }>(),
    /** zone → its mirrors, cached briefly (reads arrive several times a second) */
    mirrors: new Map<string, { ids: string[]; at: number }>(),
  };
}
export type TagState = ReturnType<typeof createTagState>;
