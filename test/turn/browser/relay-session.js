// Evaluated inside Chromium by chromium.test.ts (plain JS: it runs in the page, not in Node).
// Connects two RTCPeerConnections through the TURN server only (iceTransportPolicy 'relay'),
// exchanges `messages` data-channel messages each way and reports the selected candidate pair.
// biome-ignore lint/correctness/noUnusedVariables: called by name from the test's evaluate() string
async function relaySession(args) {
  const config = {
    iceServers: [{ urls: args.urls, username: args.username, credential: args.credential }],
    iceTransportPolicy: 'relay',
  };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  a.onicecandidate = (e) => {
    if (e.candidate) b.addIceCandidate(e.candidate);
  };
  b.onicecandidate = (e) => {
    if (e.candidate) a.addIceCandidate(e.candidate);
  };
  const dcA = a.createDataChannel('probe');
  const dcB = new Promise((resolve) => {
    b.ondatachannel = (e) => resolve(e.channel);
  });
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  // Give ICE 10 s; a failure then reports the ICE state instead of hanging the test.
  const opened = await Promise.race([
    Promise.all([
      dcB,
      new Promise((resolve) => {
        if (dcA.readyState === 'open') resolve();
        else dcA.onopen = () => resolve();
      }),
    ]).then(([channel]) => channel),
    new Promise((resolve) => setTimeout(() => resolve(undefined), 10_000)),
  ]);
  if (!opened) {
    const state = a.iceConnectionState;
    a.close();
    b.close();
    return { error: `data channel did not open, ICE state ${state}` };
  }
  const chB = opened;
  let aToB = 0;
  let bToA = 0;
  chB.onmessage = (e) => {
    aToB++;
    chB.send(`echo ${e.data}`);
  };
  dcA.onmessage = () => {
    bToA++;
  };
  for (let i = 0; i < args.messages; i++) {
    dcA.send(`ping ${i}`);
    await new Promise((r) => setTimeout(r, args.intervalMs));
  }
  const deadline = Date.now() + 5000;
  while (bToA < args.messages && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const stats = await a.getStats();
  let pairId = '';
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  const pair = stats.get(pairId);
  const local = stats.get(pair?.localCandidateId);
  const remote = stats.get(pair?.remoteCandidateId);
  a.close();
  b.close();
  return {
    localType: local?.candidateType,
    remoteType: remote?.candidateType,
    relayProtocol: local?.relayProtocol,
    aToB,
    bToA,
    expected: args.messages,
  };
}
