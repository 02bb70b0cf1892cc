import { multipartBoundary, parseMultipart, UploadedFile } from '../../../src/telegram-emulator/multipart';

describe('telegram emulator: multipart bodies', () => {
  const boundary = 'XyZ123';
  const body = Buffer.from(
    [
      `--${boundary}`,
      'content-disposition:form-data; name="chat_id"',
      '',
      '42',
      `--${boundary}`,
      'Content-Disposition: form-data; name="caption"',
      '',
      'two\r\nlines',
      `--${boundary}`,
      'content-disposition: form-data; name="photo"; filename="cat.jpg"',
      'content-type: image/jpeg',
      '',
      'JPEGDATA',
      `--${boundary}--`,
    ].join('\r\n'),
  );

  it('reads text fields as strings and file parts as their name, size and type', () => {
    expect(parseMultipart(body, boundary)).toEqual({
      fields: { chat_id: '42', caption: 'two\r\nlines' },
      files: { photo: new UploadedFile('cat.jpg', 8, 'image/jpeg') },
    });
  });

  it('finds the boundary in a content type, quoted or not', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('multipart/form-data')).toBeUndefined();
  });

  it('yields nothing from a body without the boundary', () => {
    expect(parseMultipart(Buffer.from('garbage'), boundary)).toEqual({ fields: {}, files: {} });
  });
});
