import { createHmac, randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { expect } from 'chai';
import { services } from '../../lib/services.js';
import { testContext } from '../helpers/context.js';
import { createUser, mapPatient, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

const APP_ID = randomBytes(16).toString('hex');
const CERT = randomBytes(16).toString('hex');

interface DecodedToken {
  appId: string;
  issueTs: number;
  expire: number;
  salt: number;
  services: { type: number; privileges: Record<number, number>; channel: string; uid: string }[];
  signatureValid: boolean;
}

/**
 * Decodes an Agora AccessToken2 ("007" + base64(deflate(signature, signing info))), little-endian:
 * string = uint16 length + bytes; signing info = appId, issueTs, expire, salt, service count, then
 * per service its type, a uint16-keyed map of uint32 privilege expiries and (RTC) channel and uid.
 * Checks the signature with the certificate too.
 */
function decodeAccessToken2(token: string, certificate: string): DecodedToken {
  expect(token.slice(0, 3)).to.equal('007');
  const buf = inflateSync(Buffer.from(token.slice(3), 'base64'));
  let pos = 0;
  const u16 = () => ((pos += 2), buf.readUInt16LE(pos - 2));
  const u32 = () => ((pos += 4), buf.readUInt32LE(pos - 4));
  const bytes = () => {
    const n = u16();
    pos += n;
    return buf.subarray(pos - n, pos);
  };
  const signature = bytes();
  const signingStart = pos;
  const appId = bytes().toString();
  const issueTs = u32();
  const expire = u32();
  const salt = u32();
  const count = u16();
  const services: DecodedToken['services'] = [];
  for (let i = 0; i < count; i++) {
    const type = u16();
    const privileges: Record<number, number> = {};
    for (let n = u16(); n > 0; n--) privileges[u16()] = u32();
    const channel = bytes().toString();
    const uid = bytes().toString();
    services.push({ type, privileges, channel, uid });
  }
  const le32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  let signing = createHmac('sha256', le32(issueTs)).update(certificate).digest();
  signing = createHmac('sha256', le32(salt)).update(signing).digest();
  const expected = createHmac('sha256', signing).update(buf.subarray(signingStart)).digest();
  return { appId, issueTs, expire, salt, services, signatureValid: expected.equals(signature) };
}

let doctorSeq = 0;

describe('video calls', () => {
  let patient: TestUser;
  let otherPatient: TestUser;
  let nurse: TestUser;
  let staff: TestUser;
  let admin: TestUser;
  let unmappedDoctor: TestUser;

  before(async () => {
    [patient, otherPatient, nurse, staff, admin, unmappedDoctor] = await Promise.all([
      createUser('patient'),
      createUser('patient'),
      createUser('nurse'),
      createUser('staff'),
      createUser('admin'),
      createUser('doctor'),
    ]);
    services().config.telehealth.agora = { appId: APP_ID, appCertificate: CERT };
  });

  after(() => {
    services().config.telehealth.agora = undefined;
  });

  /** A fresh doctor (so confirmed appointments never overlap) and an appointment starting `inMinutes` from now. */
  async function appointment(inMinutes: number, status = 'confirmed', minutes = 30) {
    const doctor = await createUser('doctor', { name: `Video doctor ${++doctorSeq}` });
    await mapPatient(patient.patientId!, doctor.id);
    const startsAt = new Date(Date.now() + inMinutes * 60_000);
    const [row] = await testContext()
      .knex('appointments')
      .insert({
        doctorId: doctor.id,
        patientId: patient.patientId,
        startsAt,
        endsAt: new Date(startsAt.getTime() + minutes * 60_000),
        status,
      })
      .returning(['id', 'startsAt', 'endsAt']);
    return { id: row.id as string, doctor, endsAt: new Date(row.endsAt) };
  }

  it('gives the patient and the doctor tokens 9 minutes before the start, each with its own uid (200)', async () => {
    const a = await appointment(9);
    const forPatient = await api.as(patient.token).post(`/appointments/${a.id}/video-token`);
    const forDoctor = await api.as(a.doctor.token).post(`/appointments/${a.id}/video-token`);
    expect(forPatient.status, forPatient.text).to.equal(200);
    expect(forDoctor.status).to.equal(200);
    for (const res of [forPatient, forDoctor]) {
      expect(res.body).to.include({ provider: 'agora', appId: APP_ID, expiresAt: a.endsAt.toISOString() });
      const decoded = decodeAccessToken2(res.body.token, CERT);
      expect(decoded.signatureValid, 'signed with the certificate').to.equal(true);
      expect(decoded.appId).to.equal(APP_ID);
      expect(decoded.services).to.have.length(1);
      const [rtc] = decoded.services;
      expect(rtc.type).to.equal(1);
      expect(rtc.channel).to.equal(res.body.channel);
      expect(rtc.uid).to.equal(String(res.body.uid));
      // Lifetime: to the end of the window (the appointment's end), for the token and its privileges.
      const expiresAtSec = a.endsAt.getTime() / 1000;
      expect(decoded.issueTs + decoded.expire).to.be.closeTo(expiresAtSec, 3);
      expect(Object.keys(rtc.privileges).map(Number).sort()).to.deep.equal([1, 2, 3, 4]);
      expect(Object.values(rtc.privileges).every((p) => p === decoded.expire)).to.equal(true);
    }
    expect(forPatient.body.channel).to.equal(forDoctor.body.channel);
    expect(forPatient.body.channel).not.to.include(a.id);
    expect(forPatient.body.channel.length).to.be.at.most(64);
    expect(forPatient.body.uid).not.to.equal(forDoctor.body.uid);
    // Stable per person: asking again gives the same channel and uid.
    const again = await api.as(patient.token).post(`/appointments/${a.id}/video-token`);
    expect([again.body.channel, again.body.uid]).to.deep.equal([
      forPatient.body.channel,
      forPatient.body.uid,
    ]);
  });

  it('answers 409 outside_window 11 minutes before the start and after the end', async () => {
    for (const a of [await appointment(11), await appointment(-31)]) {
      const res = await api.as(patient.token).post(`/appointments/${a.id}/video-token`);
      expect(res.status).to.equal(409);
      expect(errorOf(res).code).to.equal('outside_window');
    }
    const during = await appointment(-29);
    expect(
      (await api.as(during.doctor.token).post(`/appointments/${during.id}/video-token`)).status,
    ).to.equal(200);
  });

  it('answers 409 for appointments that are not confirmed', async () => {
    for (const status of ['pending', 'completed', 'cancelled']) {
      const a = await appointment(5, status);
      const res = await api.as(patient.token).post(`/appointments/${a.id}/video-token`);
      expect(res.status, status).to.equal(409);
      expect(errorOf(res).code).to.equal('appointment_not_confirmed');
    }
  });

  it('refuses everyone but the two participants: 404 for another patient or doctor, 403 for nurse, staff, admin', async () => {
    const a = await appointment(0);
    for (const path of ['video-token', 'video/start', 'video/end']) {
      expect((await api.as(otherPatient.token).post(`/appointments/${a.id}/${path}`)).status, path).to.equal(
        404,
      );
      expect(
        (await api.as(unmappedDoctor.token).post(`/appointments/${a.id}/${path}`)).status,
        path,
      ).to.equal(404);
      for (const u of [nurse, staff, admin])
        expect(
          (await api.as(u.token).post(`/appointments/${a.id}/${path}`)).status,
          `${u.role} ${path}`,
        ).to.equal(403);
    }
    expect((await api.as(otherPatient.token).get(`/appointments/${a.id}/video`)).status).to.equal(404);
    expect((await api.as(patient.token).post(`/appointments/not-a-uuid/video-token`)).status).to.equal(400);
  });

  it('answers 503 video_not_configured without AGORA_APP_ID/AGORA_APP_CERTIFICATE', async () => {
    const a = await appointment(1);
    services().config.telehealth.agora = undefined;
    try {
      const res = await api.as(patient.token).post(`/appointments/${a.id}/video-token`);
      expect(res.status).to.equal(503);
      expect(errorOf(res).code).to.equal('video_not_configured');
    } finally {
      services().config.telehealth.agora = { appId: APP_ID, appCertificate: CERT };
    }
  });

  it('records the call: start (who, when), end once (a second end is a no-op), and shows it (200)', async () => {
    const a = await appointment(2);
    const notStarted = await api.as(patient.token).post(`/appointments/${a.id}/video/end`);
    expect(notStarted.status).to.equal(409);
    expect(errorOf(notStarted).code).to.equal('call_not_started');
    expect((await api.as(patient.token).get(`/appointments/${a.id}/video`)).status).to.equal(404);

    const started = await api.as(a.doctor.token).post(`/appointments/${a.id}/video/start`);
    expect(started.status, started.text).to.equal(200);
    expect(started.body).to.include({ appointmentId: a.id, startedBy: a.doctor.id });
    expect(started.body).not.to.have.property('endedAt');
    const token = await api.as(patient.token).post(`/appointments/${a.id}/video-token`);
    expect(started.body.channel).to.equal(token.body.channel);
    // The patient starting too changes nothing.
    expect((await api.as(patient.token).post(`/appointments/${a.id}/video/start`)).body).to.deep.equal(
      started.body,
    );

    const ended = await api.as(patient.token).post(`/appointments/${a.id}/video/end`);
    expect(ended.status).to.equal(200);
    expect(ended.body.endedAt).to.be.a('string');
    const twice = await api.as(a.doctor.token).post(`/appointments/${a.id}/video/end`);
    expect(twice.status).to.equal(200);
    expect(twice.body).to.deep.equal(ended.body);
    for (const viewer of [patient, a.doctor, staff, nurse, admin]) {
      const got = await api.as(viewer.token).get(`/appointments/${a.id}/video`);
      expect(got.status, viewer.role).to.equal(200);
      expect(got.body).to.deep.equal(ended.body);
    }
    const restart = await api.as(patient.token).post(`/appointments/${a.id}/video/start`);
    expect(restart.status).to.equal(409);
    expect(errorOf(restart).code).to.equal('call_ended');
  });
});
