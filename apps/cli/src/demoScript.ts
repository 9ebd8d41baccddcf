import {
  buildGroupMessage,
  buildImageMessage,
  buildLidMessage,
  buildTextMessage,
  type WahaEnvelopeFixture,
  type WahaSimulator,
} from '@relay/testing';

/** One scripted webhook of the demo, with what it shows. */
export interface DemoStep {
  label: string;
  envelope: WahaEnvelopeFixture;
  /** Post it this many times (redelivery); default 1. */
  times?: number;
  /** Whether it should end up as a Chatwoot message. */
  mirrored: boolean;
}

const PIXEL_PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  ),
);

/** The sample conversations of a car dealership the demo replays, in order. */
export function demoSteps(waha: WahaSimulator, session: string): DemoStep[] {
  const image = buildImageMessage({
    session,
    chatId: '31612345678@c.us',
    caption: 'Deze bedoel ik',
    mediaUrl: '',
    mimetype: 'image/png',
  });
  const imagePayload = image.payload as { id: string; media: { url: string } };
  const rawId = imagePayload.id.split('_').at(-1) ?? 'IMG1';
  imagePayload.media.url = waha.putFile(session, rawId, PIXEL_PNG, 'image/png');
  const hello = buildTextMessage({
    session,
    chatId: '447700900123@c.us',
    body: "Hello, I'm looking for a car",
    senderName: 'Emma Clarke',
  });
  return [
    {
      label: 'new contact (Dutch)',
      envelope: buildTextMessage({
        session,
        chatId: '31612345678@c.us',
        body: 'Hoi, ik zoek een auto. Hebben jullie een Golf?',
        senderName: 'Jan de Vries',
      }),
      mirrored: true,
    },
    { label: 'same chat, image with caption', envelope: image, mirrored: true },
    { label: 'new contact (English)', envelope: hello, mirrored: true },
    {
      label: 'the same webhook delivered 3 times',
      envelope: buildTextMessage({
        session,
        chatId: '447700900123@c.us',
        body: 'Can I book a test drive on Saturday?',
        senderName: 'Emma Clarke',
      }),
      times: 3,
      mirrored: true,
    },
    {
      label: 'typed on the business phone',
      envelope: buildTextMessage({
        session,
        chatId: '447700900123@c.us',
        body: 'Saturday 10:00 works, see you then!',
        fromMe: true,
        source: 'app',
        event: 'message.any',
      }),
      mirrored: true,
    },
    {
      label: 'group chat',
      envelope: buildGroupMessage({
        session,
        groupId: '120363000000000001@g.us',
        participant: '200000000000003@lid',
        participantPhone: '+31611111111',
        senderName: 'Piet',
        body: 'Is the showroom open on Sunday?',
      }),
      mirrored: true,
    },
    {
      label: '@lid chat (hidden number)',
      envelope: buildLidMessage({
        session,
        lid: '200000000000009@lid',
        phone: '+31622222222',
        body: 'Wat kost de proefrit?',
        senderName: 'Sanne',
      }),
      mirrored: true,
    },
    {
      label: 'Dutch contact again',
      envelope: buildTextMessage({
        session,
        chatId: '31612345678@c.us',
        body: 'Kan ik zaterdag langskomen voor een proefrit?',
        senderName: 'Jan de Vries',
      }),
      mirrored: true,
    },
  ];
}
