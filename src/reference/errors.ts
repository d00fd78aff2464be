/** Bad configuration or flags: the message is one line and names the offending field. */
export class ReferenceConfigError extends Error {
  override readonly name = 'ReferenceConfigError'
}
