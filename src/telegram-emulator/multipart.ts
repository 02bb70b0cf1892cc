/** A file part of a multipart upload. The emulator keeps what describes it, not the bytes. */
export class UploadedFile {
  constructor(
    readonly filename: string,
    readonly size: number,
    readonly contentType: string | undefined,
  ) {}
}

export interface MultipartForm {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

function headerParam(header: string, name: string): string | undefined {
  return new RegExp(`;\\s*${name}="([^"]*)"`, 'i').exec(header)?.[1];
}

function parsePart(part: Buffer, form: MultipartForm): void {
  const headerEnd = part.indexOf(HEADER_END);
  if (headerEnd < 0) return;
  const headers = part.subarray(0, headerEnd).toString('utf8').split('\r\n');
  const content = part.subarray(headerEnd + HEADER_END.length);
  const disposition = headers.find((h) => /^content-disposition\s*:/i.test(h)) ?? '';
  const contentType = headers.find((h) => /^content-type\s*:/i.test(h))?.replace(/^[^:]*:\s*/, '');
  const name = headerParam(disposition, 'name');
  if (name === undefined) return;
  const filename = headerParam(disposition, 'filename');
  if (filename === undefined) form.fields[name] = content.toString('utf8');
  else form.files[name] = new UploadedFile(filename, content.length, contentType);
}

/**
 * Reads a multipart/form-data body (RFC 7578) as telegraf sends it for uploads: text fields
 * as strings, file parts as their name, size and type. Parts without a name are skipped.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartForm {
  const form: MultipartForm = { fields: {}, files: {} };
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let start = body.indexOf(opening);
  if (start < 0) return form;
  start += opening.length;
  for (;;) {
    // After a delimiter comes either "--" (the closing one) or the CRLF that opens a part.
    if (body.subarray(start, start + 2).toString() === '--') return form;
    const partStart = start + 2;
    const end = body.indexOf(delimiter, partStart);
    if (end < 0) return form;
    parsePart(body.subarray(partStart, end), form);
    start = end + delimiter.length;
  }
}

/** The boundary parameter of a multipart content type, quoted or not. */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}
