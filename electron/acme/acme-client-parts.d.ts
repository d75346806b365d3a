// Types for the two acme-client modules electron/acme/lib.ts loads directly (the package types only its index).
declare module 'acme-client/src/client.js' {
  import type acme from 'acme-client';
  const Client: typeof acme.Client;
  export default Client;
}
declare module 'acme-client/src/axios.js' {
  import type acme from 'acme-client';
  const instance: typeof acme.axios;
  export default instance;
}
