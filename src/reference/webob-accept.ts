// webob's Accept negotiation (acceptparse.AcceptValidHeader.acceptable_offers), which decides
// whether nova's error bodies are HTML, JSON or plain text. An absent header is parsed as "" and
// accepts nothing (plain text); an unparseable header accepts everything (HTML).

const OWS = '[ \\t]*'
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+"
const QVALUE = '(?:0(?:\\.[0-9]{0,3})?)|(?:1(?:\\.0{0,3})?)'
const WEIGHT = `${OWS};${OWS}[qQ]=(${QVALUE})`
const QDTEXT = '[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]'
const QUOTED_PAIR = '\\\\[\\t \\x21-\\x7e\\x80-\\xff]'
const QUOTED = `"(?:(?:${QDTEXT})|(?:${QUOTED_PAIR}))*"`
const PARAM = `${TOKEN}=(?:(?:${TOKEN})|(?:${QUOTED}))`
const MEDIA_RANGE = `((?:${TOKEN}/${TOKEN}))((?:${OWS};${OWS}(?![qQ]=)${PARAM})*)`
const ACCEPT_EXT = `${OWS};${OWS}${TOKEN}(?:=(?:(?:${TOKEN})|(?:${QUOTED})))?`
const ELEMENT = `${MEDIA_RANGE}(?:${WEIGHT}((?:${ACCEPT_EXT})*))?`
const VALID = new RegExp(`^(?:$)|(?:(?:,|(?:${ELEMENT}))(?:${OWS},(?:${OWS}${ELEMENT})?)*)$`)
const ELEMENT_G = new RegExp(ELEMENT, 'g')
const PARAM_G = new RegExp(`${OWS};${OWS}(${TOKEN})=((?:${TOKEN})|(?:${QUOTED}))`, 'g')

interface Range {
  type: string
  subtype: string
  q: number
  params: string
}

function unquote(v: string): string {
  return v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v
}

function parse(header: string): Range[] | null {
  if (!VALID.test(header)) return null
  const ranges: Range[] = []
  for (const m of header.matchAll(ELEMENT_G)) {
    const [type = '', subtype = ''] = (m[1] ?? '').toLowerCase().split('/', 2)
    const params = [...(m[2] ?? '').matchAll(PARAM_G)].map((p) => `${(p[1] ?? '').toLowerCase()}=${unquote(p[2] ?? '')}`).join(';')
    ranges.push({params, q: m[3] === undefined ? 1 : Number.parseFloat(m[3]), subtype, type})
  }
  return ranges
}

/** Offers (parameter-less media types) acceptable to `header`, best first, as webob orders them. */
export function acceptableOffers(header: string, offers: readonly string[]): string[] {
  const ranges = parse(header)
  if (ranges === null) return [...offers]
  const scored: {offer: string; q: number; index: number}[] = []
  offers.forEach((offer, index) => {
    const [otype, osubtype] = offer.split('/', 2)
    let best: {q: number; specificity: number} | null = null
    for (const r of ranges) {
      let specificity: number
      if (r.type === otype && r.subtype === osubtype) {
        if (r.params !== '') continue
        specificity = 3
      } else if (r.subtype === '*' && r.type === otype) specificity = 2
      else if (r.type === '*' && r.subtype === '*') specificity = 1
      else continue
      if (best && specificity <= best.specificity) continue
      best = {q: r.q, specificity}
    }
    if (best && best.q !== 0) scored.push({index, offer, q: best.q})
  })
  return scored.sort((a, b) => b.q - a.q || a.index - b.index).map((s) => s.offer)
}
