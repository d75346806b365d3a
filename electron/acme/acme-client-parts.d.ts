// Types for the modules electron/acme/lib.ts loads by path (their packages type only their index).
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
declare module 'axios/dist/node/axios.cjs' {
  import type axios from 'axios';
  const instance: typeof axios;
  export default instance;
}
