-- A schema history of our own for MySQL/MariaDB: each step is what a developer ran, and
-- the test feeds `mariadb-dump --no-data` of the result to `retort migrate` as the models.
-- step: users
CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
-- step: unique email
ALTER TABLE users ADD CONSTRAINT users_email UNIQUE (email);
-- step: posts with a foreign key
CREATE TABLE posts (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(100) NOT NULL, body TEXT, CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id));
-- step: index on titles
CREATE INDEX posts_title ON posts (title);
-- step: user names
ALTER TABLE users ADD COLUMN name VARCHAR(100) NULL;
-- step: mood enum column
ALTER TABLE users ADD COLUMN mood ENUM('sad', 'ok') DEFAULT 'ok';
-- step: a view
CREATE VIEW user_posts AS SELECT u.email, p.title FROM users u JOIN posts p ON p.user_id = u.id;
-- step: a view on the view
CREATE VIEW post_counts AS SELECT email, COUNT(*) AS n FROM user_posts GROUP BY email;
-- step: table comment
ALTER TABLE users COMMENT = 'people who sign in';
-- step: updated_at on update
ALTER TABLE posts ADD COLUMN updated_at TIMESTAMP NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP;
-- step: audit trigger
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(300) NOT NULL);
CREATE TRIGGER posts_audit AFTER INSERT ON posts FOR EACH ROW BEGIN INSERT INTO audit (what) VALUES (CONCAT('post ', NEW.title)); END;
-- step: longer titles
ALTER TABLE posts MODIFY title VARCHAR(200) NOT NULL;
-- step: tags
CREATE TABLE tags (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, UNIQUE KEY tags_name (name));
-- step: post_tags with a composite key
CREATE TABLE post_tags (post_id BIGINT NOT NULL, tag_id INT NOT NULL, PRIMARY KEY (post_id, tag_id), CONSTRAINT pt_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE, CONSTRAINT pt_tag FOREIGN KEY (tag_id) REFERENCES tags (id));
-- step: title check
ALTER TABLE posts ADD CONSTRAINT posts_title_not_blank CHECK (CHAR_LENGTH(title) > 0);
-- step: full-text index
CREATE FULLTEXT INDEX posts_title_ft ON posts (title);
-- step: rename a column
ALTER TABLE users RENAME COLUMN name TO full_name;
-- step: drop a column
ALTER TABLE posts DROP COLUMN body;
-- step: invoices
CREATE TABLE invoices (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NULL, total DECIMAL(10,2) NOT NULL DEFAULT 0, CONSTRAINT invoices_user FOREIGN KEY (user_id) REFERENCES users (id));
-- step: more precision
ALTER TABLE invoices MODIFY total DECIMAL(12,2) NOT NULL DEFAULT 0;
-- step: generated column
ALTER TABLE invoices ADD COLUMN total_cents BIGINT AS (total * 100) VIRTUAL;
-- step: another mood
ALTER TABLE users MODIFY mood ENUM('sad', 'ok', 'happy') DEFAULT 'ok';
-- step: drop the view on the view
DROP VIEW post_counts;
-- step: cascade user deletes
ALTER TABLE posts DROP FOREIGN KEY posts_user;
ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
-- step: preferences as JSON
ALTER TABLE users ADD COLUMN prefs JSON NULL;
-- step: full_name required
UPDATE users SET full_name = '' WHERE full_name IS NULL;
ALTER TABLE users MODIFY full_name VARCHAR(100) NOT NULL DEFAULT '';
-- step: a latin1 column
ALTER TABLE tags ADD COLUMN legacy_code VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL;
-- step: drop tags
DROP TABLE post_tags;
DROP TABLE tags;
-- step: rename a table
RENAME TABLE invoices TO bills;
-- step: audit log
CREATE TABLE audit_log (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id INT NULL, action VARCHAR(50) NOT NULL, at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), CONSTRAINT audit_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL);
CREATE INDEX audit_log_at ON audit_log (at);
-- step: column comment
ALTER TABLE users MODIFY email VARCHAR(255) NOT NULL COMMENT 'the login';
-- step: drop the trigger
DROP TRIGGER posts_audit;
-- step: a view over everything
CREATE VIEW activity AS SELECT u.email, COUNT(p.id) AS posts FROM users u LEFT JOIN posts p ON p.user_id = u.id GROUP BY u.email;
