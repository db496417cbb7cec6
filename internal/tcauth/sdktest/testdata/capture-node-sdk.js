// Captures what the official Node SDK (tencentcloud-sdk-nodejs-ckafka 4.1.314,
// common 4.1.220) sends, for httpkafka's tcauth replay tests.
const http = require("http");
const fs = require("fs");
const ckafka = require("tencentcloud-sdk-nodejs-ckafka");
const Client = ckafka.ckafka.v20190819.Client;
const captured = [];
const server = http.createServer((req, res) => {
  let body = [];
  req.on("data", (c) => body.push(c));
  req.on("end", () => {
    captured.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(body).toString("utf8") });
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ Response: { MessageId: ["x"], RequestId: "capture" } }));
  });
});
const cases = [
  { name: "node-tc3-post", endpoint: "127.0.0.1:9000", signMethod: "TC3-HMAC-SHA256", reqMethod: "POST" },
  { name: "node-tc3-post-stage-path", endpoint: "127.0.0.1:9000/prod/sendmessage", signMethod: "TC3-HMAC-SHA256", reqMethod: "POST" },
  { name: "node-tc3-get", endpoint: "127.0.0.1:9000", signMethod: "TC3-HMAC-SHA256", reqMethod: "GET" },
  { name: "node-hmacsha256-post", endpoint: "127.0.0.1:9000", signMethod: "HmacSHA256", reqMethod: "POST" },
  { name: "node-hmacsha1-get", endpoint: "127.0.0.1:9000", signMethod: "HmacSHA1", reqMethod: "GET" },
];
server.listen(9000, "127.0.0.1", async () => {
  const out = {};
  for (const c of cases) {
    const client = new Client({
      credential: { secretId: "AKIDnodeExample", secretKey: "nodeExampleSecretKey0123456789ab" },
      region: "ap-guangzhou",
      profile: { signMethod: c.signMethod, httpProfile: { endpoint: c.endpoint, protocol: "http://", reqMethod: c.reqMethod } },
    });
    captured.length = 0;
    await client.SendMessage({ DataHubId: "datahub-node", Message: [{ Body: "hello from " + c.name, Key: "k-node" }] });
    out[c.name] = captured[0];
  }
  fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 2) + "\n");
  server.close();
});
