/**
 * Makes list cursors opaque for real (SPEC §4): the position a list hands out (which may name a
 * person's e-mail) is encrypted and authenticated for one list of one organisation, so a cursor
 * shows nothing and cannot be forged, nor moved to another list or organisation.
 */
export interface CursorSealer {
  /** Seals `position` for the list `list` (e.g. the organisation, route and path ids together). */
  seal(list: string, position: string): Promise<string>;
  /** The position sealed for `list`, or undefined when the cursor was not sealed here for that list. */
  open(list: string, cursor: string): Promise<string | undefined>;
}
