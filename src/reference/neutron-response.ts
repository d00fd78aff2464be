// The raw response neutron-metadata-agent (2025.1+, socketserver) writes itself
// (neutron/common/metadata.py RESPONSE + encode_http_reponse): LF line endings, Content-Type
// text/plain with an HTML body, Connection: close, and Content-Length computed as
// RESPONSE_LENGTH (95) + 2 * len(title) + len(message).

const RESPONSE_LENGTH = 95

/** `title` is the full status, e.g. "404 Not Found"; it is also the status line's code and reason. */
export function neutronRawResponse(title: string, message: string): Buffer {
  const length = RESPONSE_LENGTH + title.length * 2 + message.length
  const text =
    `HTTP/1.1 ${title}\nContent-Type: text/plain; charset=UTF-8\nConnection: close\nContent-Length: ${length}\n\n` +
    `<html>\n <head>\n  <title>${title}</title>\n </head>\n <body>\n  <h1>${title}</h1>\n  ${message}<br /><br />\n\n\n </body>\n</html>`
  return Buffer.from(text, 'utf8')
}

export const instanceNotFoundOnNetwork = (networkId: string): string => `Instance was not found on network ${networkId}.`
export const instanceNotFoundOnRouter = (routerId: string): string => `Instance was not found on router ${routerId}.`
export const bothIdsDefined = (networkId: string, routerId: string): string => `Both network ${networkId} and router ${routerId} defined.`
export const NOVA_UNAVAILABLE = 'The remote metadata server is temporarily unavailable. Please try again later.'
