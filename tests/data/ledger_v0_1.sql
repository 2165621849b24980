BEGIN TRANSACTION;
CREATE TABLE "calls" (
   "fingerprint" TEXT PRIMARY KEY,
   "record_index" INTEGER,
   "started_at" TEXT,
   "duration" INTEGER,
   "ring_seconds" INTEGER,
   "extension" TEXT,
   "direction" TEXT,
   "remote" TEXT,
   "number" TEXT,
   "callerid" TEXT,
   "co_line" TEXT,
   "calltype" TEXT,
   "callmode" TEXT,
   "status" TEXT,
   "source" TEXT
);
INSERT INTO "calls" VALUES('4af1b9b66542991d22bbc7af',0,'2026-11-20 07:00:00',0,20,'620','in','+79161111111','','89161111111','01','I','NA','','/tmp/pz/v01data/Calls.dbf');
INSERT INTO "calls" VALUES('7c677974a47820583f0c5043',1,'2026-11-20 11:10:00',0,15,'620','in','+79162222222','','89162222222','01','I','NA','','/tmp/pz/v01data/Calls.dbf');
INSERT INTO "calls" VALUES('ecb74a33737b30b10708c56e',2,'2026-11-20 11:15:00',0,25,'620','in','+79162222222','','89162222222','01','I','NA','','/tmp/pz/v01data/Calls.dbf');
INSERT INTO "calls" VALUES('c00af6fcc392dc52a4bb66de',3,'2026-11-20 11:20:00',0,10,'630','in','+79163333333','','89163333333','01','I','NA','','/tmp/pz/v01data/Calls.dbf');
INSERT INTO "calls" VALUES('2828c16e058821da77d1de23',4,'2026-11-20 11:30:00',120,NULL,'203','out','+79163333333','89163333333','','01','C','AN','','/tmp/pz/v01data/Calls.dbf');
INSERT INTO "calls" VALUES('105e6296221998d4c2421031',5,'2026-11-20 11:40:00',60,5,'201','in','+79164444444','','89164444444','01','I','AN','','/tmp/pz/v01data/Calls.dbf');
INSERT INTO "calls" VALUES('3d4f695dd2497ffb534ff69a',6,'2026-11-20 11:50:00',0,30,'620','in','+79165555555','','89165555555','01','I','NA','','/tmp/pz/v01data/Calls.dbf');
CREATE TABLE "case_events" (
   "id" INTEGER PRIMARY KEY,
   "case_id" INTEGER REFERENCES "cases"("id"),
   "at" TEXT,
   "kind" TEXT,
   "actor_kind" TEXT,
   "actor_id" INTEGER,
   "actor_name" TEXT,
   "extension" TEXT,
   "call_fingerprint" TEXT,
   "duration" INTEGER,
   "note" TEXT
);
INSERT INTO "case_events" VALUES(1,1,'2026-11-20 12:00:00','opened','pbx',NULL,NULL,'620','4af1b9b66542991d22bbc7af',0,NULL);
INSERT INTO "case_events" VALUES(2,2,'2026-11-20 12:00:00','opened','pbx',NULL,NULL,'620','7c677974a47820583f0c5043',0,NULL);
INSERT INTO "case_events" VALUES(3,2,'2026-11-20 12:00:00','attempt','pbx',NULL,NULL,'620','ecb74a33737b30b10708c56e',0,NULL);
INSERT INTO "case_events" VALUES(4,3,'2026-11-20 12:00:00','opened','pbx',NULL,NULL,'630','c00af6fcc392dc52a4bb66de',0,NULL);
INSERT INTO "case_events" VALUES(5,3,'2026-11-20 12:00:00','callback','pbx',NULL,NULL,'203','2828c16e058821da77d1de23',120,NULL);
INSERT INTO "case_events" VALUES(6,4,'2026-11-20 12:00:00','opened','pbx',NULL,NULL,'620','3d4f695dd2497ffb534ff69a',0,NULL);
INSERT INTO "case_events" VALUES(7,1,'2026-11-20 12:00:00','expired','system',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "case_events" VALUES(8,2,'2026-11-20 12:00:00','closed','user',7,'Иван Петров',NULL,NULL,NULL,NULL);
CREATE TABLE "case_messages" (
   "case_id" INTEGER PRIMARY KEY,
   "chat_id" INTEGER,
   "message_id" INTEGER,
   "posted_at" TEXT
);
INSERT INTO "case_messages" VALUES(2,-1001000000001,1001,'2026-11-20 12:00:00');
CREATE TABLE "cases" (
   "id" INTEGER PRIMARY KEY,
   "department" TEXT,
   "chat" INTEGER,
   "remote" TEXT,
   "status" TEXT,
   "first_at" TEXT,
   "last_at" TEXT,
   "attempts" INTEGER,
   "extension" TEXT,
   "ring_seconds" INTEGER,
   "new_caller" INTEGER,
   "contact_name" TEXT,
   "contact_company" TEXT,
   "silent" INTEGER,
   "closed_at" TEXT,
   "closed_how" TEXT,
   "closed_by_extension" TEXT,
   "closed_by_user_id" INTEGER,
   "closed_by_name" TEXT,
   "callback_at" TEXT,
   "callback_duration" INTEGER,
   "version" INTEGER
);
INSERT INTO "cases" VALUES(1,'Отдел продаж',-1001000000001,'+79161111111','closed','2026-11-20 07:00:00','2026-11-20 07:00:00',1,'620',20,1,NULL,NULL,1,'2026-11-20 12:00:00','expired',NULL,NULL,NULL,NULL,NULL,1);
INSERT INTO "cases" VALUES(2,'Отдел продаж',-1001000000001,'+79162222222','closed','2026-11-20 11:10:00','2026-11-20 11:15:00',2,'620',25,1,NULL,NULL,0,'2026-11-20 12:00:00','user',NULL,7,'Иван Петров',NULL,NULL,2);
INSERT INTO "cases" VALUES(3,'Сервис',-1001000000002,'+79163333333','closed','2026-11-20 11:20:00','2026-11-20 11:20:00',1,'630',10,1,NULL,NULL,0,'2026-11-20 11:30:00','call','203',NULL,NULL,'2026-11-20 11:30:00',120,1);
INSERT INTO "cases" VALUES(4,'Отдел продаж',-1001000000001,'+79165555555','open','2026-11-20 11:50:00','2026-11-20 11:50:00',1,'620',30,1,NULL,NULL,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0);
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
INSERT INTO "meta" VALUES('schema_version','1');
INSERT INTO "meta" VALUES('summary_last','2026-11-19');
CREATE TABLE "outbox" (
   "id" INTEGER PRIMARY KEY,
   "case_id" INTEGER REFERENCES "cases"("id"),
   "kind" TEXT,
   "created_at" TEXT,
   "next_try_at" TEXT,
   "attempts" INTEGER,
   "last_error" TEXT,
   "done_at" TEXT
);
INSERT INTO "outbox" VALUES(1,2,'new','2026-11-20 12:00:00','2026-11-20 12:00:00',0,NULL,'2026-11-20 12:00:00');
INSERT INTO "outbox" VALUES(2,2,'update','2026-11-20 12:00:00','2026-11-20 12:00:00',0,NULL,'2026-11-20 12:00:00');
INSERT INTO "outbox" VALUES(3,3,'new','2026-11-20 12:00:00','2026-11-20 12:00:00',0,NULL,NULL);
INSERT INTO "outbox" VALUES(4,3,'update','2026-11-20 12:00:00','2026-11-20 12:00:00',0,NULL,NULL);
INSERT INTO "outbox" VALUES(5,4,'new','2026-11-20 12:00:00','2026-11-20 12:00:00',0,NULL,NULL);
INSERT INTO "outbox" VALUES(6,2,'update','2026-11-20 12:00:00','2026-11-20 12:00:00',0,NULL,'2026-11-20 12:00:00');
CREATE TABLE "source_state" (
   "path" TEXT PRIMARY KEY,
   "header_signature" TEXT,
   "header_len" INTEGER,
   "record_len" INTEGER,
   "first_record_hash" TEXT,
   "next_index" INTEGER,
   "pending" TEXT,
   "last_record_hash" TEXT
);
INSERT INTO "source_state" VALUES('/tmp/pz/v01data/Calls.dbf','cce933ef58a508517945',769,171,'4af1b9b66542991d22bbc7af',7,'{}','3d4f695dd2497ffb534ff69a');
CREATE INDEX "idx_calls_remote_started_at"
    ON "calls" ("remote", "started_at");
CREATE INDEX "idx_calls_started_at"
    ON "calls" ("started_at");
CREATE INDEX "idx_cases_status_remote"
    ON "cases" ("status", "remote");
CREATE INDEX "idx_cases_first_at"
    ON "cases" ("first_at");
CREATE INDEX "idx_case_events_case_id"
    ON "case_events" ("case_id");
CREATE INDEX "idx_outbox_done_at_case_id"
    ON "outbox" ("done_at", "case_id");
COMMIT;
