// nova's error responses are webob.exc exceptions rendered by WSGIHTTPException.generate_response
// (webob 1.8): the body format follows the request's Accept header, the text is the exception's
// explanation (webob collapses whitespace in the class defaults).
import {acceptableOffers} from './webob-accept.js'
import {pythonJsonDumps} from './python-json.js'

/**
 * webob.exc titles and default explanations (status_map, webob 1.8.9). 405, 406, 415 and 501 are
 * left out: webob renders them with their own templates, and nothing in the metadata path sends them.
 */
export const WEBOB_STATUS: Readonly<Record<number, readonly [title: string, explanation: string]>> = {
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.'],
  402: ['Payment Required', 'Access was denied for financial reasons.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  407: ['Proxy Authentication Required', 'Authentication with a local proxy is needed.'],
  408: ['Request Timeout', 'The server has waited too long for the request to be sent by the client.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  410: ['Gone', 'This resource is no longer available. No forwarding address is given.'],
  411: ['Length Required', 'Content-Length header required.'],
  412: ['Precondition Failed', 'Request precondition failed.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  414: ['Request-URI Too Long', 'The request URI was too long for this server.'],
  416: ['Request Range Not Satisfiable', 'The Range requested is not available.'],
  417: ['Expectation Failed', 'Expectation failed.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  423: ['Locked', 'The resource is locked'],
  424: ['Failed Dependency', 'The method could not be performed because the requested action dependended on another action and that action failed'],
  428: ['Precondition Required', 'This request is required to be conditional'],
  429: ['Too Many Requests', 'The client has sent too many requests in a given amount of time'],
  431: ['Request Header Fields Too Large', 'The request header fields were too large'],
  451: ['Unavailable For Legal Reasons', 'The resource is not available due to legal reasons.'],
  500: ['Internal Server Error', 'The server has either erred or is incapable of performing the requested operation.'],
  502: ['Bad Gateway', 'Bad gateway.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
  504: ['Gateway Timeout', 'The gateway has timed out.'],
  505: ['HTTP Version Not Supported', 'The HTTP version is not supported.'],
  507: ['Insufficient Storage', 'There was not enough space to save the resource'],
  511: ['Network Authentication Required', 'Network authentication is required'],
}

export interface RenderedError {
  status: number
  /** reason phrase: webob's title */
  reason: string
  contentType: string
  body: Buffer
}

// html.escape(quote=True), then .encode('ascii', 'xmlcharrefreplace') as webob.util.html_escape does
function htmlEscape(s: string): string {
  const escaped = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;')
  let out = ''
  for (const ch of escaped) {
    const cp = ch.codePointAt(0) ?? 0
    out += cp > 0x7f ? `&#${cp};` : ch
  }
  return out
}

function stripTags(s: string): string {
  return s
    .replace(/\n/g, ' ')
    .replace(/\r/g, '')
    .replace(/<br.*?>/gis, '\n')
    .replace(/<!--|-->/g, '')
    .replace(/<.*?>/gs, '')
}

/**
 * A webob HTTP error as nova returns it. `accept` is the request's Accept header (absent = "").
 * `explanation` replaces webob's default text, as nova's `explanation=` does.
 */
export function webobError(status: number, accept: string | undefined, explanation?: string): RenderedError {
  const entry = WEBOB_STATUS[status]
  if (!entry) throw new RangeError(`no webob exception for status ${status}`)
  const [title, defaultExplanation] = entry
  const text = explanation ?? defaultExplanation
  const statusLine = `${status} ${title}`
  const match = acceptableOffers(accept ?? '', ['text/html', 'application/json'])[0]
  let body: string
  let contentType: string
  if (match === 'text/html') {
    contentType = 'text/html; charset=UTF-8'
    const inner = `${htmlEscape(text)}<br /><br />\n\n\n`
    body = `<html>\n <head>\n  <title>${statusLine}</title>\n </head>\n <body>\n  <h1>${statusLine}</h1>\n  ${inner}\n </body>\n</html>`
  } else if (match === 'application/json') {
    contentType = 'application/json'
    body = pythonJsonDumps({message: `${text}<br /><br />\n\n\n`, code: statusLine, title})
  } else {
    contentType = 'text/plain; charset=UTF-8'
    body = `${statusLine}\n\n${stripTags(`${text}<br /><br />\n\n\n`)}`
  }
  return {body: Buffer.from(body, 'utf8'), contentType, reason: title, status}
}
