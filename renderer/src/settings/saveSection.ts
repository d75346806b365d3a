// One Save of a Settings section: send the part, hand the stored settings back, or put each error from the
// service under its field (and the rest in the section's alert). Shared by the renewal, notification and e-mail
// sections so that they place errors the same way.
import type { AppSettings } from '../../../shared/ipc/contract.ts';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { errorInfo, fieldErrors } from '../api.ts';
import { splitFieldErrors } from './fields.ts';

export interface SectionSave {
  /** The settings part the section edits (`renewal`, `notifications`, `email`): the prefix of its field ids. */
  part: string;
  /** The field names the section shows (an error for another field goes to the alert). */
  fields: readonly string[];
  send: () => Promise<AppSettings>;
  onStored: (s: AppSettings) => void;
  setErrors: (e: Record<string, string>) => void;
  setAlert: (e: ErrorInfo | null) => void;
  setSaving: (b: boolean) => void;
}

export async function saveSection(o: SectionSave): Promise<void> {
  o.setAlert(null);
  o.setErrors({});
  o.setSaving(true);
  try {
    o.onStored(await o.send());
  } catch (err) {
    const { fields, placed } = splitFieldErrors(fieldErrors(err), o.part, o.fields);
    o.setErrors(fields);
    if (!placed) o.setAlert(errorInfo(err));
  } finally {
    o.setSaving(false);
  }
}
