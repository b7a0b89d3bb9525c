/** One wanted or current view, as `requestViewList` sees it. */
export interface ViewSpec {
  identifier: string;
  srcType: 'camera' | 'screen';
  size: 'big' | 'small';
}

export function viewKey(v: { identifier: string; srcType: string }): string {
  return `${v.identifier}\u0000${v.srcType}`;
}

/**
 * `requestViewList` takes the full set: what to subscribe (`add`), switch layer (`resize`, with the
 * new size), unsubscribe (`remove`), and leave alone (`keep`). Orders follow `wanted`, then `current`.
 */
export function diffViews(
  current: readonly ViewSpec[],
  wanted: readonly ViewSpec[],
): { add: ViewSpec[]; resize: ViewSpec[]; remove: ViewSpec[]; keep: ViewSpec[] } {
  const now = new Map(current.map((v) => [viewKey(v), v]));
  const next = new Set(wanted.map(viewKey));
  const add: ViewSpec[] = [];
  const resize: ViewSpec[] = [];
  const keep: ViewSpec[] = [];
  for (const w of wanted) {
    const c = now.get(viewKey(w));
    if (!c) add.push({ ...w });
    else if (c.size !== w.size) resize.push({ ...w });
    else keep.push({ ...w });
  }
  const remove = current.filter((c) => !next.has(viewKey(c))).map((c) => ({ ...c }));
  return { add, resize, remove, keep };
}
