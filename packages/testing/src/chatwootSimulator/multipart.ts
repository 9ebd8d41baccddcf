/** A tiny multipart/form-data parser, enough for Chatwoot message uploads. */

/** A file part. */
export interface MultipartFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** Parsed form: plain fields (last value wins) and file parts in order. */
export interface MultipartForm {
  fields: Record<string, string>;
  files: MultipartFile[];
}

/** Returns the boundary of a multipart content type, or null. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return null;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function headerParam(header: string, name: string): string | null {
  const match =
    new RegExp(`${name}="([^"]*)"`, 'i').exec(header) ?? new RegExp(`${name}=([^;\\s]+)`, 'i').exec(header);
  return match ? (match[1] ?? null) : null;
}

/** Parses a multipart body; malformed parts are skipped. */
export function parseMultipart(body: Buffer, boundary: string): MultipartForm {
  const form: MultipartForm = { fields: {}, files: [] };
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const partStart = pos + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    // Part = CRLF headers CRLF CRLF content CRLF
    const part = body.subarray(partStart + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      const field = headerParam(disposition, 'name');
      const filename = headerParam(disposition, 'filename');
      const contentType =
        /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
      if (field !== null && filename !== null) {
        form.files.push({ field, filename, contentType, data: Buffer.from(content) });
      } else if (field !== null) {
        form.fields[field] = content.toString('utf8');
      }
    }
    pos = next;
  }
  return form;
}
