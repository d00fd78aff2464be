/**
 * Progress on stderr, never stdout: one listr2 task whose title follows the phases. Silent under
 * --json and with --quiet. listr2 is loaded only when progress is shown.
 */
export async function withProgress<T>(enabled: boolean, title: string, work: (progress: (msg: string) => void) => Promise<T>): Promise<T> {
  if (!enabled) return work(() => {})
  const {Listr, ListrLogger, ProcessOutput} = await import('listr2')
  const logger = new ListrLogger({processOutput: new ProcessOutput(process.stderr, process.stderr)})
  let result: T | undefined
  const list = new Listr(
    [
      {
        task: async (_ctx, task) => {
          result = await work((msg) => {
            task.output = msg
          })
          task.title = `${title}: done`
        },
        title,
      },
    ],
    {
      exitOnError: true,
      fallbackRendererCondition: !process.stderr.isTTY || (process.env.NO_COLOR ?? '') !== '',
      fallbackRendererOptions: {logger},
      rendererOptions: {logger},
    },
  )
  await list.run()
  return result as T
}
