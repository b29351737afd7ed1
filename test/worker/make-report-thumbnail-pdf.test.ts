import { expect } from 'chai';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import {
  PdfRenderError,
  renderPdfFirstPage,
  DEFAULT_PDF_LIMITS,
} from '../../domain/reports/render-pdf-page.js';
import { testContext } from '../helpers/context.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { request } from '../helpers/http.js';
import { waitUntil } from '../helpers/wait.js';

function pdfkit(
  opts: PDFKit.PDFDocumentOptions = {},
  draw: (d: PDFKit.PDFDocument) => void = () => {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', ...opts });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(40).text('Lab report: haemoglobin 14.2 g/dL');
    doc.rect(50, 300, 400, 200).fill('#cc0000');
    draw(doc);
    doc.end();
  });
}

/** A hand-written PDF whose only page has the given MediaBox and optional extra catalog entries. */
function rawPdf(mediaBox: string, catalogExtra = '', objects = ''): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R${catalogExtra}>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[${mediaBox}]>>endobj\n${objects}trailer<</Root 1 0 R>>\n%%EOF\n`,
  );
}

describe('make_report_thumbnail for PDFs (worker)', () => {
  let nurse: TestUser;
  let patient: TestUser;

  before(async () => {
    nurse = await createUser('nurse');
    patient = await createUser('patient');
  });

  async function uploadPdf(data: Buffer): Promise<string> {
    const f = new FormData();
    f.append('title', 'Scan');
    f.append('kind', 'lab');
    f.append('file', new Blob([new Uint8Array(data)], { type: 'application/pdf' }), 'scan.pdf');
    const res = await request('POST', `/patients/${patient.patientId}/reports`, {
      token: nurse.token,
      rawBody: f,
    });
    expect(res.status, res.text).to.equal(201);
    expect(res.body.thumbnailStatus).to.equal('pending');
    return res.body.id as string;
  }

  const settled = (id: string) =>
    waitUntil(
      async () => {
        const row = await testContext().knex('reports').where({ id }).first();
        return row.thumbnailStatus !== 'pending' ? row : undefined;
      },
      30_000,
      `report ${id} thumbnail to settle`,
    );

  async function download(p: string) {
    const res = await fetch(`${testContext().baseUrl}/api/v1${p}`, {
      headers: { authorization: `Bearer ${nurse.token}` },
    });
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  }

  it('renders the first page of a PDF to a 320 px WebP like images (200)', async () => {
    const data = await pdfkit({}, (d) => {
      d.addPage().text('second page');
    });
    const id = await uploadPdf(data);
    const row = await settled(id);
    expect(row.thumbnailStatus, row.thumbnailError).to.equal('ready');
    const { res, body } = await download(`/reports/${id}/thumbnail`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/webp');
    const meta = await sharp(body).metadata();
    // A4 is 595 × 842 pt: 320 px high, 226 px wide.
    expect(meta).to.include({ format: 'webp', width: 226, height: 320 });
    expect([row.thumbnailWidth, row.thumbnailHeight]).to.deep.equal([226, 320]);
    // The red box really was drawn: the middle of the picture is red.
    const { data: px, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) =>
      px.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3);
    expect([...at(113, 150)]).to.satisfy((c: number[]) => c[0] > 180 && c[1] < 80 && c[2] < 80);
  });

  it('renders a landscape page to 320 px wide', async () => {
    const id = await uploadPdf(await pdfkit({ layout: 'landscape' }));
    expect((await settled(id)).thumbnailStatus).to.equal('ready');
    const { body } = await download(`/reports/${id}/thumbnail`);
    expect(await sharp(body).metadata()).to.include({ width: 320, height: 226 });
  });

  const hostile: [string, () => Promise<Buffer> | Buffer, RegExp][] = [
    [
      'encrypted',
      () => pdfkit({ userPassword: 'secret', ownerPassword: 'owner' } as PDFKit.PDFDocumentOptions),
      /encrypted/,
    ],
    ['truncated', async () => (await pdfkit()).subarray(0, 400), /could not|no pages|stopped/],
    ['with a huge page (100 000 pt)', () => rawPdf('0 0 100000 100000'), /limit/],
    ['with a 1 × 5000 pt sliver', () => rawPdf('0 0 1 5000'), /narrow/],
    [
      'with zero pages',
      () =>
        Buffer.from(
          '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
        ),
      /no pages|could not/,
    ],
  ];
  for (const [name, make, reason] of hostile) {
    it(`records a PDF ${name} as failed and keeps it downloadable`, async () => {
      const data = await make();
      const id = await uploadPdf(data);
      const row = await settled(id);
      expect(row.thumbnailStatus).to.equal('failed');
      expect(row.thumbnailError).to.match(reason);
      const file = await download(`/reports/${id}/file`);
      expect(file.res.status).to.equal(200);
      expect(file.body.equals(data)).to.equal(true);
      const thumb = await download(`/reports/${id}/thumbnail`);
      expect(thumb.res.headers.get('x-thumbnail-status')).to.equal('failed');
    });
  }

  it('never runs JavaScript in a PDF (an endless loop in OpenAction) and still renders it', async () => {
    const js = rawPdf(
      '0 0 612 792',
      '/OpenAction 4 0 R/Names<</JavaScript<</Names[(x) 4 0 R]>>>>',
      '4 0 obj<</S/JavaScript/JS(while(true){})>>endobj\n',
    );
    const id = await uploadPdf(js);
    expect((await settled(id)).thumbnailStatus).to.equal('ready');
  });

  it('kills a render that exceeds its time limit, and the next render still works', async () => {
    const data = await pdfkit();
    let err: unknown;
    try {
      await renderPdfFirstPage(data, { ...DEFAULT_PDF_LIMITS, timeoutMs: 5 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(PdfRenderError);
    expect((err as Error).message).to.match(/longer than 5 ms/);
    const ok = await renderPdfFirstPage(data);
    expect([ok.width, ok.height]).to.deep.equal([226, 320]);
  });
});
